import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/** What tasks report; the Prometheus implementation is below, tests pass NO_METRICS or a spy. */
export interface TaskMetrics {
  events(partition: number, count: number): void
  outputs(kind: string, count: number): void
  deadLetters(reason: string, count: number): void
  /** Events dropped as duplicates although their content differs from the first (rule 9). */
  conflictingDuplicates(count: number): void
  batch(seconds: number): void
  commit(seconds: number): void
  /** A task failed with `code` (src/runtime/failure-policy.ts) and its transaction was aborted. */
  aborts(partition: number, code: string): void
  lag(partition: number, records: number): void
  /** A record of a tenant another partition owns was sent on to that partition. */
  routed(from: number, to: number): void
  restored(partition: number, records: number, remaining: number): void
}

export const NO_METRICS: TaskMetrics = {
  events: () => undefined,
  outputs: () => undefined,
  deadLetters: () => undefined,
  conflictingDuplicates: () => undefined,
  batch: () => undefined,
  commit: () => undefined,
  aborts: () => undefined,
  lag: () => undefined,
  routed: () => undefined,
  restored: () => undefined,
}

/**
 * Prometheus metrics of one processor. Events/s is `rate(unifier_events_total[1m])`;
 * merges, reassignments and refusals are `unifier_outputs_total{kind=...}`.
 */
export class PrometheusMetrics implements TaskMetrics {
  readonly registry = new Registry()
  private readonly eventsTotal = new Counter({
    name: 'unifier_events_total',
    help: 'Input events processed and committed or in the open transaction',
    labelNames: ['partition'],
    registers: [this.registry],
  })
  private readonly outputsTotal = new Counter({
    name: 'unifier_outputs_total',
    help: 'Output records by kind (profile, merged, reassigned, deleted, merge-refused, dead-letter)',
    labelNames: ['kind'],
    registers: [this.registry],
  })
  private readonly deadLettersTotal = new Counter({
    name: 'unifier_dead_letters_total',
    help: 'Records sent to the dead-letter topic, by reason',
    labelNames: ['reason'],
    registers: [this.registry],
  })
  private readonly conflictingDuplicatesTotal = new Counter({
    name: 'unifier_conflicting_duplicates_total',
    help: 'Events dropped as duplicates of an eventId first applied with other content (a producer reusing ids)',
    registers: [this.registry],
  })
  private readonly batchSeconds = new Histogram({
    name: 'unifier_batch_seconds',
    help: 'Time to decode, resolve and send one fetched batch',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  })
  private readonly commitSeconds = new Histogram({
    name: 'unifier_commit_seconds',
    help: 'Time to commit one transaction (state changelog, offsets, commit, local store)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  })
  private readonly abortsTotal = new Counter({
    name: 'unifier_transaction_aborts_total',
    help: 'Tasks failed and their transactions aborted, by failure code (re-processed from the last commit)',
    labelNames: ['partition', 'code'],
    registers: [this.registry],
  })
  private readonly lagGauge = new Gauge({
    name: 'unifier_consumer_lag',
    help: 'Input records behind the high watermark, per partition',
    labelNames: ['partition'],
    registers: [this.registry],
  })
  private readonly routedTotal = new Counter({
    name: 'unifier_routed_records_total',
    help: "Input records sent on to the partition that owns their tenant (a producer's partitioner other than murmur2)",
    labelNames: ['from', 'to'],
    registers: [this.registry],
  })
  private readonly restoredTotal = new Counter({
    name: 'unifier_restore_records_total',
    help: 'State changelog records replayed into local stores',
    labelNames: ['partition'],
    registers: [this.registry],
  })
  private readonly restoreRemaining = new Gauge({
    name: 'unifier_restore_remaining_records',
    help: 'State changelog records still to replay before a partition processes input',
    labelNames: ['partition'],
    registers: [this.registry],
  })

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'unifier_' })
  }

  events(partition: number, count: number): void {
    this.eventsTotal.inc({ partition: String(partition) }, count)
  }
  outputs(kind: string, count: number): void {
    this.outputsTotal.inc({ kind }, count)
  }
  deadLetters(reason: string, count: number): void {
    this.deadLettersTotal.inc({ reason }, count)
  }
  conflictingDuplicates(count: number): void {
    this.conflictingDuplicatesTotal.inc(count)
  }
  batch(seconds: number): void {
    this.batchSeconds.observe(seconds)
  }
  commit(seconds: number): void {
    this.commitSeconds.observe(seconds)
  }
  aborts(partition: number, code: string): void {
    this.abortsTotal.inc({ partition: String(partition), code })
  }
  lag(partition: number, records: number): void {
    this.lagGauge.set({ partition: String(partition) }, records)
  }
  routed(from: number, to: number): void {
    this.routedTotal.inc({ from: String(from), to: String(to) })
  }
  restored(partition: number, records: number, remaining: number): void {
    this.restoredTotal.inc({ partition: String(partition) }, records)
    this.restoreRemaining.set({ partition: String(partition) }, remaining)
  }
}
