/**
 * End-to-end benchmark through the real broker and registry with exactly-once on, for each
 * workload (bench/lib/workload.ts: realistic and churn, each on its own topic set, reported side
 * by side with its mix):
 *  1. throughput: N events produced up front, then the processor started on them, from the
 *     moment it is up until the group's committed offsets reach the end: events/s; with the
 *     local stack, also the CPU per event of the processor, broker and registry
 *     (bench/lib/processes.ts) and the events/s the machine's cores could sustain at that cost;
 *  2. latency: events produced at a fixed rate to the running processor; for every committed
 *     changelog record (read_committed), now − the event time of the event that produced it
 *     (events carry their produce time as timestamp): p50/p99, split at the moment the
 *     processor sent the record (its Kafka timestamp);
 *  3. restore: a processor (in this process) with an empty state dir restores every partition
 *     from the state changelog: offsets/s from its start, and records/s net of the fixed
 *     start-up a restart on the restored state dir takes (nothing to replay).
 * The processor runs as `unifier run` in a child process by default, as deployed: the load
 * generator and the latency consumer here do not share its event loop (`--processor
 * in-process` to profile it with `--cpu-profile`). Needs KAFKA_BROKERS and SCHEMA_REGISTRY_URL
 * (default: the local stack). Topics are created under a unique prefix and deleted at the end.
 *
 * With `--child-cpu-prof DIR` the child processor runs under `node --cpu-prof`; the results
 * give the backlog phase's window on its clock (profileWindow) and bench/perf/cpu-budget.ts
 * turns the profile into µs per event by stage.
 *
 *   npm run bench:e2e [-- --events 100000 --rate 5000 --seconds 10 --processor child]
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { profileSnapshotFromAvro } from '../../src/codecs/records.js'
import type { ContactEvent } from '../../src/core/types.js'
import { loadIdentityConfig } from '../../src/config/identity-config.js'
import { packageRoot } from '../../src/topology/package-files.js'
import { benchArgs, choice, integer, list, string } from '../lib/args.js'
import { startProfile } from '../lib/cpu-profile.js'
import { stackCpuSeconds, stackCpuSince } from '../lib/processes.js'
import { parsePromText, sumOf } from '../lib/prom-text.js'
import { writeResults } from '../lib/results.js'
import {
  formatMix,
  measureMix,
  mixShares,
  workloadEvents,
  WORKLOADS,
  type Workload,
  type WorkloadEvent,
} from '../lib/workload.js'
import { startBenchProcessor, startBenchProcessors, type ProcessorMode } from './processor.js'
import {
  benchKafka,
  dropBenchTopology,
  groupProgress,
  openBenchTopology,
  produceEvents,
  topicOffsets,
} from './topology.js'
import {
  buckets,
  cpuBudget,
  gcAndLoop,
  recordsWritten,
  slowerThan,
  spread,
  timings,
} from './e2e-metrics.js'

const values = benchArgs(
  'bench:e2e',
  {
    events: integer('events in the backlog (throughput phase)', { default: 100_000, min: 1 }),
    rate: integer('events/s produced in the latency phase', { default: 5000, min: 1 }),
    seconds: integer('length of the latency phase (s)', { default: 10, min: 1 }),
    tenants: integer('tenants, each its own synthetic stream', { default: 24, min: 1 }),
    'commit-interval': integer("the processor's commit interval (ms)", { default: 50, min: 1 }),
    processor: choice('where the processor runs', ['child', 'in-process'], 'child'),
    instances: integer('processors in the group (throughput and latency phases)', {
      default: 1,
      min: 1,
    }),
    'cpu-profile': string('write a V8 CPU profile of the backlog phase to this file'),
    'child-cpu-prof': string(
      'run the child processor under node --cpu-prof, its profiles written to this directory',
    ),
    workloads: list('workloads, each on its own topic set', WORKLOADS, WORKLOADS),
  },
  (v) =>
    v['cpu-profile'] !== undefined && v.processor !== 'in-process'
      ? '--cpu-profile profiles this process: use it with --processor in-process'
      : v['child-cpu-prof'] !== undefined && v.processor !== 'child'
        ? '--child-cpu-prof profiles the child: use it with --processor child'
        : v.instances > 1 && v.processor !== 'child'
          ? '--instances above 1 runs child processes only: use it with --processor child'
          : undefined,
)
const EVENTS = values.events
const RATE = values.rate
const SECONDS = values.seconds
const TENANTS = values.tenants
const COMMIT_INTERVAL = values['commit-interval']
const MODE: ProcessorMode = values.processor
const INSTANCES = values.instances
const { brokers, registryUrl } = benchKafka()
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const log = (line: string) => process.stderr.write(`[bench:e2e] ${line}\n`)

/** The tenants' streams of one workload, interleaved one event each in turn. */
function* events(
  workload: Workload,
  seed: number,
  tenants: number,
  perTenant: number,
): Generator<WorkloadEvent> {
  const streams = Array.from({ length: tenants }, (_, t) =>
    workloadEvents(workload, { tenant: `bench-${seed}-${t}`, events: perTenant, seed: seed + t }),
  )
  let sequence = 0
  for (let live = streams.length; live > 0;) {
    live = 0
    for (const stream of streams) {
      const next = stream.next()
      if (next.done !== true) {
        live++
        yield { event: next.value.event, position: { sequence: ++sequence } }
      }
    }
  }
}

const micros = () => Number(process.hrtime.bigint() / 1000n)

async function runWorkload(workload: Workload): Promise<Record<string, unknown>> {
  log(`== workload ${workload}`)
  const { prefix, topology, kafka, topicAdmin, admin, registry, codec } = await openBenchTopology({
    label: `e2e-${workload}`,
    brokers,
    registryUrl,
  })
  const stateDir = await mkdtemp(join(tmpdir(), 'unifier-bench-e2e-'))
  const input = topology.byRole['contact-events'].name
  const groupId = `${prefix}group`
  const processorOptions = (dir: string, mode: ProcessorMode) => ({
    mode,
    brokers,
    registryUrl,
    prefix,
    groupId,
    stateDir: join(stateDir, dir),
    commitIntervalMs: COMMIT_INTERVAL,
    ...(values['child-cpu-prof'] === undefined || mode !== 'child'
      ? {}
      : {
          nodeArgs: [
            '--cpu-prof',
            '--cpu-prof-dir',
            values['child-cpu-prof'],
            '--cpu-prof-name',
            `${workload}-${dir}-${Date.now()}.cpuprofile`,
          ],
        }),
  })
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  const produce = (batch: readonly ContactEvent[]) => produceEvents(producer, codec, input, batch)
  const lag = async (): Promise<number> => (await groupProgress(admin, groupId, input)).behind
  const result: Record<string, unknown> = {
    partitions: topology.byRole['contact-events'].partitions,
  }
  try {
    // 1. Throughput from a backlog.
    log(`producing ${EVENTS} events`)
    const items: WorkloadEvent[] = []
    for (const e of events(workload, 1, TENANTS, Math.ceil(EVENTS / TENANTS))) {
      if (items.length >= EVENTS) break
      items.push(e)
    }
    const backlog = items.map((item) => item.event)
    const mix = await measureMix(await identityConfig, items)
    result.mix = { ...mix, shares: mixShares(mix) }
    log(`${workload} mix: ${formatMix(mix)}`)
    for (let i = 0; i < backlog.length; i += 2_000) await produce(backlog.slice(i, i + 2_000))
    log(`processing the backlog (processor: ${MODE}, ${INSTANCES} instance(s))`)
    const profiler = values['cpu-profile'] === undefined ? null : await startProfile()
    const processor = await startBenchProcessors(processorOptions('a', MODE), INSTANCES)
    // From the moment every partition runs (group joined and, with several instances, settled:
    // a child's start-up is not the processor's speed).
    const partitions = topology.byRole['contact-events'].partitions
    for (;;) {
      const health = await processor.health()
      const running = health.partitions.filter((p) => p.state === 'running').length
      if (health.status === 'running' && running === partitions) break
      await sleep(20)
    }
    const started = performance.now()
    const windowFrom = micros()
    const cpuBefore = processor.cpuSeconds()
    const stackBefore = stackCpuSeconds(brokers)
    const pending = await lag()
    while ((await lag()) > 0) await sleep(100)
    const seconds = (performance.now() - started) / 1000
    const windowTo = micros()
    const cpuSeconds = processor.cpuSeconds() - cpuBefore
    const stack = stackCpuSince(brokers, stackBefore)
    if (profiler !== null && values['cpu-profile'] !== undefined)
      await profiler.stop(values['cpu-profile'])
    result.throughput = {
      events: pending,
      seconds: Math.round(seconds * 100) / 100,
      eventsPerSecond: Math.round(pending / seconds),
      cpuSeconds: Math.round(cpuSeconds * 100) / 100,
      eventsPerCpuSecond: Math.round(pending / cpuSeconds),
      processorCpuMicrosPerEvent: Math.round((cpuSeconds / pending) * 1e6),
      loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
      note:
        'events not yet committed when every partition ran, over the time until all offsets were committed; ' +
        (MODE === 'child'
          ? 'CPU of the processor process(es), all threads'
          : 'CPU of the whole process (processor and bench), all threads'),
    }
    if (stack !== undefined) result.throughputCpuBudget = cpuBudget(pending, cpuSeconds, stack)
    // The backlog phase on the monotonic clock a V8 CPU profile's timestamps use (µs).
    result.profileWindow = { fromMicros: windowFrom, toMicros: windowTo, events: pending }
    const afterBacklog = parsePromText(await processor.metricsText())
    result.throughputTimings = timings(afterBacklog)
    result.recordsPerEvent = recordsWritten(
      afterBacklog,
      backlog.length,
      await topicOffsets(admin, topology.byRole['state-changelog'].name),
    )
    log(`records per event: ${JSON.stringify(result.recordsPerEvent)}`)
    log(
      `throughput: ${JSON.stringify(result.throughput)} ${JSON.stringify(result.throughputTimings)}`,
    )
    if (stack !== undefined) log(`CPU per event: ${JSON.stringify(result.throughputCpuBudget)}`)

    // 2. Latency at a fixed rate.
    const consumer = kafka.consumer({
      groupId: `${prefix}latency`,
      readUncommitted: false,
      maxWaitTimeInMs: 20,
    })
    const latencies: number[] = []
    // Produce → the processor sent the changelog record (its Kafka timestamp), and sent → visible.
    const toSent: number[] = []
    const toVisible: number[] = []
    let measuring = false
    await consumer.connect()
    await consumer.subscribe({
      topic: topology.byRole['profile-changelog'].name,
      fromBeginning: false,
    })
    let joined = false
    consumer.on(consumer.events.GROUP_JOIN, () => (joined = true))
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const now = Date.now()
        for (const m of batch.messages) {
          if (!measuring || m.value === null) continue
          const snapshot = profileSnapshotFromAvro(
            await codec.decode('profile-changelog', 'value', m.value),
          )
          latencies.push(now - snapshot.updatedAt)
          toSent.push(Number(m.timestamp) - snapshot.updatedAt)
          toVisible.push(now - Number(m.timestamp))
        }
      },
    })
    while (!joined) await sleep(50)
    await sleep(1_000)
    log(`latency: ${RATE} events/s for ${SECONDS}s`)
    measuring = true
    const metricsBefore = parsePromText(await processor.metricsText())
    const rateCpuBefore = processor.cpuSeconds()
    const rateStackBefore = stackCpuSeconds(brokers)
    const rateStarted = performance.now()
    const live = events(workload, 2, TENANTS, Math.ceil((RATE * SECONDS) / TENANTS) + 10)
    const tick = 50
    const t0 = Date.now()
    for (let sent = 0; sent < RATE * SECONDS;) {
      const due = Math.min(RATE * SECONDS, Math.floor(((Date.now() - t0 + tick) * RATE) / 1000))
      const batch: ContactEvent[] = []
      for (; sent < due; sent++) {
        const next = live.next()
        if (next.done === true) break
        batch.push({ ...next.value.event, timestamp: Date.now() })
      }
      if (batch.length > 0) await produce(batch)
      await sleep(Math.max(0, t0 + (sent * 1000) / RATE - Date.now()))
    }
    while ((await lag()) > 0) await sleep(100)
    await sleep(500)
    measuring = false
    const metricsAfter = parsePromText(await processor.metricsText())
    const rateSeconds = (performance.now() - rateStarted) / 1000
    const rateCpu = processor.cpuSeconds() - rateCpuBefore
    const rateStack = stackCpuSince(brokers, rateStackBefore)
    const slower = slowerThan(buckets(metricsBefore), buckets(metricsAfter))
    const phase = { ...slower, processor: gcAndLoop(metricsBefore, metricsAfter) }
    // What the latency costs: CPU per event and transactions at this rate (a processor that
    // commits sooner pays for it here, not in the backlog phase).
    const produced = RATE * SECONDS
    result.latencyCost = {
      processorMicros: Math.round((rateCpu / produced) * 1e6),
      ...(rateStack === undefined
        ? {}
        : { brokerMicros: Math.round((rateStack.broker / produced) * 1e6) }),
      commitsPerSecond: Math.round((slower.unifier_commit_seconds?.count ?? 0) / rateSeconds),
      seconds: Math.round(rateSeconds * 100) / 100,
      note: 'from the first produced event until the group caught up, plus 0.5 s',
    }
    await consumer.disconnect()
    const { p50Ms, p99Ms, maxMs } = spread(latencies)
    result.latency = {
      rate: RATE,
      seconds: SECONDS,
      samples: latencies.length,
      p50Ms,
      p99Ms,
      maxMs,
      note: 'changelog record visible to a read_committed consumer minus the produce time of the event behind it',
    }
    result.latencySplit = { produceToSent: spread(toSent), sentToVisible: spread(toVisible) }
    result.latencyTimings = phase
    log(`latency: ${JSON.stringify(result.latency)}`)
    log(`latency split where the processor sent the record: ${JSON.stringify(result.latencySplit)}`)
    log(`CPU and commits at ${RATE}/s: ${JSON.stringify(result.latencyCost)}`)
    log(
      `batches and commits slower than each bound, GC and event-loop delay, at ${RATE}/s: ${JSON.stringify(phase)}`,
    )
    const rssMiB = await processor.rssMiB()
    await processor.stop()

    // 3. Restore into an empty state dir, then a restart on the restored dir (nothing left to
    // restore): its start-up (group join, store open, position checks) is the fixed part, so
    // the restore's own rate is records / (restore − restart), as bench:resolve takes start-up
    // off its CPU. On a small changelog the fixed part dominates the wall-clock figure.
    const records = await topicOffsets(admin, topology.byRole['state-changelog'].name)
    log(`restoring ${records} state changelog offsets (incl. transaction markers)`)
    const untilRunning = async (dir: string) => {
      const started = performance.now()
      const p = await startBenchProcessor(processorOptions(dir, 'in-process'))
      for (;;) {
        const health = await p.health()
        if (health.partitions.length > 0 && health.partitions.every((q) => q.state === 'running'))
          break
        await sleep(20)
      }
      const seconds = (performance.now() - started) / 1000
      const restored = sumOf(parsePromText(await p.metricsText()), 'unifier_restore_records_total')
      await p.stop()
      return { seconds, restored }
    }
    const restore = await untilRunning('b')
    const restart = await untilRunning('b')
    const netSeconds = restore.seconds - restart.seconds
    result.restore = {
      changelogOffsets: records,
      seconds: Math.round(restore.seconds * 100) / 100,
      recordsPerSecond: Math.round(records / restore.seconds),
      note: 'from processor start (group join included) until every partition runs; offsets include markers',
      recordsRestored: restore.restored,
      restartSeconds: Math.round(restart.seconds * 100) / 100,
      netRecordsPerSecond: netSeconds > 0 ? Math.round(restore.restored / netSeconds) : null,
      netNote:
        'records replayed (no markers) / (restore seconds − seconds of a restart on the restored state dir, which has nothing to replay)',
    }
    result.processorRssMiB = rssMiB
    log(`restore: ${JSON.stringify(result.restore)}`)
  } finally {
    await dropBenchTopology({ producer, admin, topicAdmin, registry, topology })
    await rm(stateDir, { recursive: true, force: true })
  }
  return result
}

const identityConfig = loadIdentityConfig(join(packageRoot(), 'samples', 'identity.yaml'))

/** One line per figure, the workloads side by side. */
function sideBySide(byWorkload: Record<string, Record<string, unknown>>): string[] {
  const get = (r: Record<string, unknown>, path: string): unknown =>
    path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], r)
  const rows: [string, string][] = [
    ['identity changes (% new identifiers + % merges)', ''],
    ['events/s from the backlog', 'throughput.eventsPerSecond'],
    ['processor CPU µs per event', 'throughput.processorCpuMicrosPerEvent'],
    ['broker CPU µs per event', 'throughputCpuBudget.brokerMicros'],
    ['outputs per event', 'recordsPerEvent.outputsPerEvent'],
    ['state-changelog records per event', 'recordsPerEvent.stateChangelogPerEvent'],
    ['Kafka records per event', 'recordsPerEvent.totalPerEvent'],
    ['p50 ms at the rate', 'latency.p50Ms'],
    ['p99 ms at the rate', 'latency.p99Ms'],
    ['processor CPU µs per event at the rate', 'latencyCost.processorMicros'],
    ['broker CPU µs per event at the rate', 'latencyCost.brokerMicros'],
    ['commits/s at the rate', 'latencyCost.commitsPerSecond'],
    ['restore offsets/s from start (group join included)', 'restore.recordsPerSecond'],
    ['restore records/s net of a restart', 'restore.netRecordsPerSecond'],
  ]
  const names = Object.keys(byWorkload)
  const lines = [
    `| figure | ${names.join(' | ')} |`,
    `| --- |${names.map(() => ' ---: |').join('')}`,
  ]
  for (const [label, path] of rows) {
    const cells = names.map((w) => {
      const r = byWorkload[w] as Record<string, unknown>
      if (path === '') {
        const s = get(r, 'mix.shares') as Record<string, number> | undefined
        return s === undefined ? '—' : `${s['new-identifier']} + ${s.merge}`
      }
      const v = get(r, path)
      return v === undefined ? '—' : String(v)
    })
    lines.push(`| ${label} | ${cells.join(' | ')} |`)
  }
  return lines
}

async function main(): Promise<void> {
  const byWorkload: Record<string, Record<string, unknown>> = {}
  for (const workload of values.workloads) byWorkload[workload] = await runWorkload(workload)
  const result = {
    settings: {
      events: EVENTS,
      tenants: TENANTS,
      rate: RATE,
      seconds: SECONDS,
      commitIntervalMs: COMMIT_INTERVAL,
      processor: MODE,
      instances: INSTANCES,
      workloads: values.workloads,
    },
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    workloads: byWorkload,
  }
  const file = await writeResults('e2e', result)
  log(`written to ${file}`)
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
  process.stderr.write(`\n${sideBySide(byWorkload).join('\n')}\n`)
}

await main()
