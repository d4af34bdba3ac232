/**
 * End-to-end benchmark through the real broker and registry with exactly-once on:
 *  1. throughput: N events produced up front, then `unifier run` (in process) from a cold start
 *     until the group's committed offsets reach the end: events/s;
 *  2. latency: events produced at a fixed rate to the running processor; for every committed
 *     changelog record (read_committed), now − the event time of the event that produced it
 *     (events carry their produce time as timestamp): p50/p99;
 *  3. restore: a second processor with an empty state dir restores every partition from the
 *     state changelog: records/s.
 * Needs KAFKA_BROKERS and SCHEMA_REGISTRY_URL (default: the local stack). Topics are created
 * under a unique prefix and deleted at the end.
 *
 *   npm run bench:e2e [-- --events 100000 --rate 5000 --seconds 10]
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { pino } from 'pino'
import type { Registry } from 'prom-client'
import { profileSnapshotFromAvro } from '../src/codecs/records.js'
import { parseAppConfig } from '../src/config/app-config.js'
import type { ContactEvent } from '../src/core/types.js'
import { startKafkaApp } from '../src/runtime/kafka-app.js'
import { packageRoot } from '../src/topology/package-files.js'
import { dropBenchTopology, openBenchTopology } from './bench-topology.js'
import { writeResults } from './results.js'
import { syntheticStream } from './synthetic-stream.js'

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    rate: { type: 'string', default: '5000' },
    seconds: { type: 'string', default: '10' },
    tenants: { type: 'string', default: '24' },
    'commit-interval': { type: 'string', default: '50' },
  },
})
const EVENTS = Number(values.events)
const RATE = Number(values.rate)
const SECONDS = Number(values.seconds)
const TENANTS = Number(values.tenants)
const COMMIT_INTERVAL = Number(values['commit-interval'])
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',')
const registryUrl = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7'
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const log = (line: string) => process.stderr.write(`[bench:e2e] ${line}\n`)

function* events(seed: number, tenants: number, perTenant: number): Generator<ContactEvent> {
  const streams = Array.from({ length: tenants }, (_, t) =>
    syntheticStream({ tenant: `bench-${seed}-${t}`, identifiers: perTenant, seed: seed + t }),
  )
  for (let live = streams.length; live > 0;) {
    live = 0
    for (const stream of streams) {
      const next = stream.next()
      if (next.done !== true) {
        live++
        yield next.value.event
      }
    }
  }
}

/** Count and mean of the processor's batch and commit histograms: where the time went. */
async function timings(registry: Registry): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {}
  for (const metric of await registry.getMetricsAsJSON()) {
    if (metric.name !== 'unifier_batch_seconds' && metric.name !== 'unifier_commit_seconds')
      continue
    const values = metric.values as Array<{ metricName?: string; value: number }>
    const sum = values.find((v) => v.metricName === `${metric.name}_sum`)?.value ?? 0
    const count = values.find((v) => v.metricName === `${metric.name}_count`)?.value ?? 0
    out[metric.name] = {
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
async function recordsWritten(
  registry: Registry,
  events: number,
  stateChangelogOffsets: number,
): Promise<Record<string, number>> {
  let outputs = 0
  let commits = 0
  for (const metric of await registry.getMetricsAsJSON()) {
    const values = metric.values as Array<{ metricName?: string; value: number }>
    if (metric.name === 'unifier_outputs_total') outputs = values.reduce((s, v) => s + v.value, 0)
    if (metric.name === 'unifier_commit_seconds')
      commits = values.find((v) => v.metricName === 'unifier_commit_seconds_count')?.value ?? 0
  }
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

const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length === 0
    ? NaN
    : (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number)

async function main(): Promise<void> {
  const { prefix, topology, kafka, topicAdmin, admin, registry, codec } = await openBenchTopology({
    label: 'e2e',
    brokers,
    registryUrl,
  })
  const stateDir = await mkdtemp(join(tmpdir(), 'unifier-bench-e2e-'))
  const input = topology.byRole['contact-events'].name
  const groupId = `${prefix}group`
  const config = (dir: string) =>
    parseAppConfig({
      kafka: { brokers },
      registry: { url: registryUrl },
      topics: { prefix },
      groupId,
      stateDir: join(stateDir, dir),
      identityConfig: join(packageRoot(), 'samples', 'identity.yaml'),
      commitIntervalMs: COMMIT_INTERVAL,
      http: { enabled: false },
      logLevel: 'warn',
    })
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  const produce = async (batch: readonly ContactEvent[]) => {
    const messages = await Promise.all(batch.map((e) => codec.encodeContactEvent(e)))
    await producer.send({
      topic: input,
      acks: -1,
      messages: messages.map((m) => ({ key: m.key, value: m.value })),
    })
  }
  const lag = async (): Promise<number> => {
    const [ends, [committed]] = await Promise.all([
      admin.fetchTopicOffsets(input),
      admin.fetchOffsets({ groupId, topics: [input] }),
    ])
    let behind = 0
    for (const end of ends) {
      const c = committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1'
      behind += Number(BigInt(end.high) - (c === '-1' ? BigInt(end.low) : BigInt(c)))
    }
    return behind
  }
  const logger = pino({ level: 'warn' })
  const result: Record<string, unknown> = {
    settings: {
      events: EVENTS,
      tenants: TENANTS,
      rate: RATE,
      seconds: SECONDS,
      commitIntervalMs: COMMIT_INTERVAL,
      partitions: topology.byRole['contact-events'].partitions,
    },
  }
  try {
    // 1. Throughput from a backlog.
    log(`producing ${EVENTS} events`)
    const backlog: ContactEvent[] = []
    for (const e of events(1, TENANTS, Math.ceil(EVENTS / TENANTS))) {
      if (backlog.length >= EVENTS) break
      backlog.push(e)
    }
    for (let i = 0; i < backlog.length; i += 2_000) await produce(backlog.slice(i, i + 2_000))
    log('processing the backlog')
    const started = performance.now()
    const cpuBefore = process.cpuUsage()
    const app = await startKafkaApp(config('a'), logger)
    while ((await lag()) > 0) await sleep(100)
    const seconds = (performance.now() - started) / 1000
    const cpu = process.cpuUsage(cpuBefore)
    const cpuSeconds = (cpu.user + cpu.system) / 1e6
    result.throughput = {
      events: backlog.length,
      seconds: Math.round(seconds * 100) / 100,
      eventsPerSecond: Math.round(backlog.length / seconds),
      cpuSeconds: Math.round(cpuSeconds * 100) / 100,
      eventsPerCpuSecond: Math.round(backlog.length / cpuSeconds),
      loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
      note: 'from processor start (group join, restore of empty state) to all offsets committed; CPU of the whole process (processor and bench), all threads',
    }
    result.throughputTimings = await timings(app.metrics.registry)
    const stateEnds = await admin.fetchTopicOffsets(topology.byRole['state-changelog'].name)
    result.recordsPerEvent = await recordsWritten(
      app.metrics.registry,
      backlog.length,
      stateEnds.reduce((sum, e) => sum + Number(BigInt(e.high) - BigInt(e.low)), 0),
    )
    log(`records per event: ${JSON.stringify(result.recordsPerEvent)}`)
    log(
      `throughput: ${JSON.stringify(result.throughput)} ${JSON.stringify(result.throughputTimings)}`,
    )

    // 2. Latency at a fixed rate.
    const consumer = kafka.consumer({
      groupId: `${prefix}latency`,
      readUncommitted: false,
      maxWaitTimeInMs: 20,
    })
    const latencies: number[] = []
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
        }
      },
    })
    while (!joined) await sleep(50)
    await sleep(1_000)
    log(`latency: ${RATE} events/s for ${SECONDS}s`)
    measuring = true
    const live = events(2, TENANTS, Math.ceil((RATE * SECONDS) / TENANTS) + 10)
    const tick = 50
    const t0 = Date.now()
    for (let sent = 0; sent < RATE * SECONDS;) {
      const due = Math.min(RATE * SECONDS, Math.floor(((Date.now() - t0 + tick) * RATE) / 1000))
      const batch: ContactEvent[] = []
      for (; sent < due; sent++) {
        const next = live.next()
        if (next.done === true) break
        batch.push({ ...next.value, timestamp: Date.now() })
      }
      if (batch.length > 0) await produce(batch)
      await sleep(Math.max(0, t0 + (sent * 1000) / RATE - Date.now()))
    }
    while ((await lag()) > 0) await sleep(100)
    await sleep(500)
    measuring = false
    await consumer.disconnect()
    const sorted = [...latencies].sort((a, b) => a - b)
    result.latency = {
      rate: RATE,
      seconds: SECONDS,
      samples: sorted.length,
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
      maxMs: sorted.at(-1) ?? null,
      note: 'changelog record visible to a read_committed consumer minus the produce time of the event behind it',
    }
    log(`latency: ${JSON.stringify(result.latency)}`)
    const rss = process.memoryUsage().rss
    await app.processor.stop()

    // 3. Restore into an empty state dir.
    const ends = await admin.fetchTopicOffsets(topology.byRole['state-changelog'].name)
    const records = ends.reduce((sum, e) => sum + Number(BigInt(e.high) - BigInt(e.low)), 0)
    log(`restoring ${records} state changelog records (incl. transaction markers)`)
    const restoreStart = performance.now()
    const second = await startKafkaApp(config('b'), logger)
    for (;;) {
      const health = second.processor.health()
      if (health.partitions.length > 0 && health.partitions.every((p) => p.state === 'running'))
        break
      await sleep(20)
    }
    const restoreSeconds = (performance.now() - restoreStart) / 1000
    await second.processor.stop()
    result.restore = {
      changelogOffsets: records,
      seconds: Math.round(restoreSeconds * 100) / 100,
      recordsPerSecond: Math.round(records / restoreSeconds),
      note: 'from processor start (group join included) until every partition runs; offsets include markers',
    }
    result.processRssMiB = Math.round(rss / 2 ** 20)
    log(`restore: ${JSON.stringify(result.restore)}`)
  } finally {
    await dropBenchTopology({ producer, admin, topicAdmin, registry, topology })
    await rm(stateDir, { recursive: true, force: true })
  }
  const file = await writeResults('e2e', result)
  log(`written to ${file}`)
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
}

await main()
