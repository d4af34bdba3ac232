/**
 * What bench:e2e reads out of a processor's Prometheus metrics and its own samples: where the
 * time went (batch and commit histograms, GC, event-loop delay), records written per event,
 * the CPU budget per event, and latency percentiles.
 */
import { availableParallelism } from 'node:os'
import { sumOf, type PromSample } from '../lib/prom-text.js'

const HISTOGRAMS = ['unifier_batch_seconds', 'unifier_commit_seconds']

/** Count and mean of the processor's batch and commit histograms: where the time went. */
export function timings(metrics: readonly PromSample[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const name of HISTOGRAMS) {
    const sum = sumOf(metrics, `${name}_sum`)
    const count = sumOf(metrics, `${name}_count`)
    out[name] = {
      count,
      meanMs: count === 0 ? null : Math.round((sum / count) * 10_000) / 10,
      totalSeconds: Math.round(sum * 100) / 100,
    }
  }
  return out
}

/**
 * Kafka records the processor wrote per input event: output records by kind from its counter,
 * state-changelog records from the topic's end offsets less one commit marker per transaction
 * (every commit writes to its own state-changelog partition). Measured right after the backlog,
 * so the topic holds nothing else.
 */
export function recordsWritten(
  metrics: readonly PromSample[],
  events: number,
  stateChangelogOffsets: number,
): Record<string, number> {
  const outputs = sumOf(metrics, 'unifier_outputs_total')
  const commits = sumOf(metrics, 'unifier_commit_seconds_count')
  const state = stateChangelogOffsets - commits
  const per = (n: number) => Math.round((n / events) * 100) / 100
  return {
    outputs,
    stateChangelog: state,
    transactions: commits,
    outputsPerEvent: per(outputs),
    stateChangelogPerEvent: per(state),
    totalPerEvent: per(outputs + state),
  }
}

/**
 * CPU per event of the processor and of the local broker and registry over the same span, and
 * the events/s that this machine's cores could sustain at that cost if nothing else ran: the
 * ceiling an events/s target is held against when the broker shares the machine.
 */
export function cpuBudget(
  events: number,
  processorSeconds: number,
  stack: { broker: number; registry: number },
): Record<string, number> {
  const micros = (seconds: number) => Math.round((seconds / events) * 1e6)
  const total = processorSeconds + stack.broker + stack.registry
  return {
    processorMicros: micros(processorSeconds),
    brokerMicros: micros(stack.broker),
    registryMicros: micros(stack.registry),
    cores: availableParallelism(),
    ceilingEventsPerSecond: Math.round((availableParallelism() * events) / total),
  }
}

/** Cumulative bucket counts (le → count) of the processor's batch and commit histograms. */
export function buckets(metrics: readonly PromSample[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {}
  for (const name of HISTOGRAMS) {
    const counts: Record<string, number> = {}
    for (const sample of metrics) {
      if (sample.name !== `${name}_bucket` || sample.labels.le === undefined) continue
      counts[sample.labels.le] = (counts[sample.labels.le] ?? 0) + sample.value
    }
    out[name] = counts
  }
  return out
}

/**
 * How the batches and commits of one phase spread over the histogram buckets: the share of
 * them that took longer than each bound (what a latency tail is made of).
 */
export function slowerThan(
  before: Record<string, Record<string, number>>,
  after: Record<string, Record<string, number>>,
): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {}
  for (const [name, counts] of Object.entries(after)) {
    const total = (counts['+Inf'] ?? 0) - (before[name]?.['+Inf'] ?? 0)
    const shares: Record<string, number> = { count: total }
    const bounds = Object.entries(counts).sort(([a], [b]) => Number(a) - Number(b))
    for (const [le, count] of bounds) {
      if (le === '+Inf' || total === 0) continue
      const within = count - (before[name]?.[le] ?? 0)
      shares[`>${Number(le) * 1000}ms`] = Math.round(((total - within) / total) * 1000) / 1000
    }
    out[name] = shares
  }
  return out
}

/** Garbage collection by kind (minor, major, incremental, weakcb): pauses and their total. */
function gcPauses(metrics: readonly PromSample[]): Record<string, { count: number; ms: number }> {
  const out: Record<string, { count: number; ms: number }> = {}
  for (const sample of metrics) {
    const kind = sample.labels.kind
    if (kind === undefined || !sample.name.startsWith('unifier_nodejs_gc_duration_seconds_'))
      continue
    const entry = (out[kind] ??= { count: 0, ms: 0 })
    if (sample.name.endsWith('_count')) entry.count += sample.value
    if (sample.name.endsWith('_sum')) entry.ms += sample.value * 1000
  }
  return out
}

/** The garbage collection between two scrapes, with the processor's event-loop delay (p99, max). */
export function gcAndLoop(
  before: readonly PromSample[],
  after: readonly PromSample[],
): Record<string, unknown> {
  const start = gcPauses(before)
  const gc: Record<string, { count: number; ms: number }> = {}
  for (const [kind, { count, ms }] of Object.entries(gcPauses(after))) {
    gc[kind] = {
      count: count - (start[kind]?.count ?? 0),
      ms: Math.round(ms - (start[kind]?.ms ?? 0)),
    }
  }
  // prom-client resets its event-loop histogram at every scrape: `after` covers the phase.
  const lag = (name: string) =>
    Math.round(sumOf(after, `unifier_nodejs_eventloop_lag_${name}_seconds`) * 1000)
  return { gc, eventLoopDelayMs: { p99: lag('p99'), max: lag('max') } }
}

const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length === 0
    ? NaN
    : (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number)

/** p50, p90, p99 and max of a list of milliseconds. */
export function spread(values: number[]): {
  p50Ms: number
  p90Ms: number
  p99Ms: number
  maxMs: number
} {
  const sorted = [...values].sort((a, b) => a - b)
  return {
    p50Ms: percentile(sorted, 0.5),
    p90Ms: percentile(sorted, 0.9),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted.at(-1) ?? NaN,
  }
}
