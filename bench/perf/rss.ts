/**
 * Processor memory at N identifiers: peak RSS of `unifier run` (a child process, the real Kafka
 * processor) holding the state of N identifiers while it restores and then processes new events.
 *  1. state: one tenant per input partition; each tenant's synthetic stream (test/support/
 *     synthetic-stream.ts, N/partitions identifiers) resolved into a scratch RocksDB store and
 *     every key/value produced to the state-changelog partition of that tenant (rss-state.ts);
 *  2. input: --events new events of the same tenants (new people, and returning people of the
 *     state) produced to the input topic;
 *  3. `unifier run` with an empty state dir: it restores from the changelog, then processes the
 *     backlog until the group's committed offsets reach the end. Peak RSS is the child's VmHWM
 *     (/proc/<pid>/status), CPU its utime + stime (/proc/<pid>/stat).
 * Needs Linux, KAFKA_BROKERS and SCHEMA_REGISTRY_URL (default: the local stack). Topics are
 * created under a unique prefix and deleted at the end.
 *
 *   npm run bench:rss [-- --identifiers 1000000 --events 100000 --built]
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadIdentityConfig } from '../../src/config/identity-config.js'
import { createResolver } from '../../src/core/resolver.js'
import type { ContactEvent } from '../../src/core/types.js'
import { createStatePrefetcher } from '../../src/runtime/state-prefetch.js'
import { RocksDbStore } from '../../src/state/rocksdb-store.js'
import { packageRoot } from '../../src/topology/package-files.js'
import { benchArgs, flag, integer } from '../lib/args.js'
import { sampleProcess } from '../lib/processes.js'
import { parsePromText, sumOf } from '../lib/prom-text.js'
import { writeResults } from '../lib/results.js'
import { spawnUnifierRun } from './processor.js'
import {
  buildState,
  newEvents,
  produceState,
  tenantPerPartition,
  type TenantStream,
} from './rss-state.js'
import {
  benchKafka,
  dropBenchTopology,
  groupProgress,
  openBenchTopology,
  produceEvents,
} from './topology.js'

const values = benchArgs('bench:rss', {
  identifiers: integer('identifiers in the state the processor restores', {
    default: 1_000_000,
    min: 1,
  }),
  events: integer('new events the processor then processes', { default: 100_000, min: 1 }),
  seed: integer('seed of the synthetic streams', { default: 7 }),
  'commit-interval': integer("the processor's commit interval (ms)", { default: 50, min: 1 }),
  built: flag('run the built CLI (npm run build) instead of tsx: no TypeScript loader in it'),
})
const IDENTIFIERS = values.identifiers
const EVENTS = values.events
const SEED = values.seed
const { brokers, registryUrl } = benchKafka()
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const log = (line: string) => process.stderr.write(`[bench:rss] ${line}\n`)
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits
const mib = (kib: number) => Math.round(kib / 1024)

/** The processor's own gauges that say where memory goes (prom-client default metrics). */
async function memoryMetrics(port: number): Promise<Record<string, number>> {
  const metrics = parsePromText(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text())
  const out: Record<string, number> = {}
  for (const name of [
    'unifier_process_resident_memory_bytes',
    'unifier_nodejs_heap_size_total_bytes',
    'unifier_nodejs_heap_size_used_bytes',
    'unifier_nodejs_external_memory_bytes',
  ]) {
    if (metrics.some((m) => m.name === name)) out[name] = mib(sumOf(metrics, name) / 1024)
  }
  const deadLetters = metrics
    .filter((m) => m.name === 'unifier_outputs_total' && m.labels.kind === 'dead-letter')
    .reduce((sum, m) => sum + m.value, 0)
  return { ...out, outputs: sumOf(metrics, 'unifier_outputs_total'), deadLetters }
}

async function main(): Promise<void> {
  const { prefix, topology, kafka, topicAdmin, admin, registry, codec } = await openBenchTopology({
    label: 'rss',
    brokers,
    registryUrl,
  })
  const input = topology.byRole['contact-events']
  const stateTopic = topology.byRole['state-changelog'].name
  const identityFile = join(packageRoot(), 'samples', 'identity.yaml')
  const identity = await loadIdentityConfig(identityFile)
  const scratch = await mkdtemp(join(tmpdir(), 'unifier-bench-rss-'))
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  const groupId = `${prefix}group`
  const result: Record<string, unknown> = {
    settings: {
      identifiers: IDENTIFIERS,
      events: EVENTS,
      seed: SEED,
      partitions: input.partitions,
      commitIntervalMs: Number(values['commit-interval']),
      processor: values.built
        ? 'node dist/src/cli/main.js run'
        : 'node --import tsx src/cli/main.ts run',
      identityConfig: 'samples/identity.yaml',
    },
  }
  try {
    // 1. The state, one tenant (and one partition) at a time, so one scratch store at a time.
    const placed = await tenantPerPartition(codec, input.name, input.partitions, `${prefix}t`)
    const tenants: Array<TenantStream & { partition: number }> = placed.map((p, i) => ({
      ...p,
      identifiers: Math.round(IDENTIFIERS / placed.length),
      newEvents: Math.ceil(EVENTS / placed.length),
      seed: SEED + i,
    }))
    const resolver = createResolver(identity)
    const prefetch = createStatePrefetcher(identity)
    const build = { events: 0, merges: 0, reassignments: 0, deadLetters: 0, seconds: 0, cpu: 0 }
    const produced = { records: 0, bytes: 0, seconds: 0, cpu: 0 }
    for (const t of tenants) {
      const dir = join(scratch, `build-${t.partition}`)
      const store = await RocksDbStore.open(dir)
      let started = performance.now()
      let cpu = process.cpuUsage()
      const stats = await buildState(t, store, resolver, prefetch, (n) =>
        log(`  ${t.tenant}: ${n} events resolved`),
      )
      const buildSeconds = (performance.now() - started) / 1000
      build.seconds += buildSeconds
      build.cpu += cpuSince(cpu)
      build.events += stats.events
      build.merges += stats.merges
      build.reassignments += stats.reassignments
      build.deadLetters += stats.deadLetters
      started = performance.now()
      cpu = process.cpuUsage()
      const { records, bytes } = await produceState(store, producer, stateTopic, t.partition)
      produced.seconds += (performance.now() - started) / 1000
      produced.cpu += cpuSince(cpu)
      produced.records += records
      produced.bytes += bytes
      log(
        `partition ${t.partition} (${t.tenant}): ${stats.events} events resolved in ${round(buildSeconds, 1)} s, ${records} state records produced`,
      )
      await store.close()
      await rm(dir, { recursive: true, force: true })
    }
    result.stateBuild = {
      events: build.events,
      merges: build.merges,
      reassignments: build.reassignments,
      deadLetters: build.deadLetters,
      seconds: round(build.seconds),
      cpuSeconds: round(build.cpu),
    }
    result.stateProduce = {
      records: produced.records,
      valueMiB: round(produced.bytes / 2 ** 20, 1),
      seconds: round(produced.seconds),
      cpuSeconds: round(produced.cpu),
    }
    log(`state: ${JSON.stringify(result.stateBuild)} ${JSON.stringify(result.stateProduce)}`)

    // 2. The new events, produced before the processor starts (a backlog).
    const streams = tenants.map((t) => newEvents(t))
    let backlog = 0
    for (let live = streams.length; live > 0;) {
      live = 0
      const batch: ContactEvent[] = []
      for (const stream of streams) {
        for (let k = 0; k < 200; k++) {
          const next = stream.next()
          if (next.done === true) break
          batch.push(next.value)
        }
      }
      if (batch.length === 0) break
      live = batch.length
      await produceEvents(producer, codec, input.name, batch)
      backlog += batch.length
    }
    log(`${backlog} new events produced to ${input.name}`)

    // 3. The processor, a child process with an empty state dir.
    const started = performance.now()
    let restoreStarted: number | null = null
    const restoredPartitions = new Map<number, { restored: number; ms: number }>()
    let allRestoredAt: number | null = null
    const child = await spawnUnifierRun({
      brokers,
      registryUrl,
      prefix,
      groupId,
      stateDir: join(scratch, 'processor'),
      commitIntervalMs: values['commit-interval'],
      built: values.built,
      logLevel: 'info',
      onLogLine: (line) => {
        const entry = line as { msg?: string; partition?: number; restored?: number; ms?: number }
        const elapsed = round((performance.now() - started) / 1000, 1)
        if (entry.msg === 'restoring state') restoreStarted ??= performance.now()
        if (entry.msg === 'restore progress' && (entry.restored ?? 0) % 1_000_000 < 50_000)
          log(`  ${elapsed} s: partition ${entry.partition} restored ${entry.restored}`)
        if (entry.msg === 'state restored' && entry.partition !== undefined) {
          restoredPartitions.set(entry.partition, {
            restored: entry.restored ?? 0,
            ms: entry.ms ?? 0,
          })
          log(`  ${elapsed} s: partition ${entry.partition} restored (${entry.restored} records)`)
          if (restoredPartitions.size === input.partitions) allRestoredAt = performance.now()
        }
      },
    })
    const { pid, port } = child
    const alive = () => child.exitCode() === undefined
    let last = sampleProcess(pid)
    // RSS and V8 heap every 5 s: which phase holds the memory, and whether it still grows.
    const timeline: Array<{ s: number; rssMiB: number; heapUsedMiB: number | null }> = []
    let ticks = 0
    const sampler = setInterval(() => {
      if (!alive()) return
      try {
        last = sampleProcess(pid)
      } catch {
        return // The process exited between the check and the read.
      }
      if (ticks++ % 25 !== 0) return
      const s = round((performance.now() - started) / 1000, 1)
      const rssMiB = mib(last.rssKiB)
      void memoryMetrics(port)
        .then((m) => m.unifier_nodejs_heap_size_used_bytes ?? null)
        .catch(() => null)
        .then((heapUsedMiB) => timeline.push({ s, rssMiB, heapUsedMiB }))
    }, 200)
    const committed = () => groupProgress(admin, groupId, input.name)
    try {
      while (allRestoredAt === null) {
        if (!alive()) throw new Error('the processor exited during restore')
        await sleep(100)
      }
      const atRestore = sampleProcess(pid)
      const doneAtRestore = (await committed()).done
      const restoredRecords = [...restoredPartitions.values()].reduce((s, p) => s + p.restored, 0)
      const restoreSeconds = ((allRestoredAt as number) - (restoreStarted ?? started)) / 1000
      result.restore = {
        records: restoredRecords,
        seconds: round(restoreSeconds),
        recordsPerSecond: Math.round(restoredRecords / restoreSeconds),
        fromStartSeconds: round(((allRestoredAt as number) - started) / 1000),
        processorCpuSecondsAtRestoreEnd: atRestore.cpuSeconds,
        peakRssMiBAtRestoreEnd: mib(atRestore.hwmKiB),
        memoryAtRestoreEnd: await memoryMetrics(port).catch(() => null),
        perPartition: Object.fromEntries(restoredPartitions),
        note: 'from the first "restoring state" log line to the last "state restored"; partitions restore side by side; CPU from process start (includes start-up and group join)',
      }
      log(`restore: ${JSON.stringify(result.restore)}`)
      for (;;) {
        if (!alive()) throw new Error('the processor exited before finishing the backlog')
        if ((await committed()).behind === 0) break
        await sleep(200)
      }
      const end = sampleProcess(pid)
      const seconds = (performance.now() - (allRestoredAt as number)) / 1000
      const events = backlog - doneAtRestore
      const cpu = end.cpuSeconds - atRestore.cpuSeconds
      result.processing = {
        events,
        seconds: round(seconds),
        eventsPerSecond: Math.round(events / seconds),
        processorCpuSeconds: round(cpu),
        eventsPerCpuSecond: Math.round(events / cpu),
        eventsCommittedDuringRestore: doneAtRestore,
        note: 'from the last partition restored to every input offset committed',
      }
      result.processorMemory = await memoryMetrics(port)
      log(`processing: ${JSON.stringify(result.processing)}`)
    } finally {
      clearInterval(sampler)
      if (alive()) {
        try {
          last = sampleProcess(pid)
        } catch {
          // Already gone.
        }
      }
      const code = await child.stop()
      const summary = {
        exitCode: code,
        peakRssMiB: mib(last.hwmKiB),
        rssAtEndMiB: mib(last.rssKiB),
        cpuSeconds: last.cpuSeconds,
        wallSeconds: round((performance.now() - started) / 1000),
        loadAverage: loadavg().map((l) => round(l)),
      }
      result.processor = { ...summary, timeline }
      log(`processor: ${JSON.stringify(summary)}`)
    }
  } finally {
    await dropBenchTopology({ producer, admin, topicAdmin, registry, topology })
    await rm(scratch, { recursive: true, force: true })
  }
  const file = await writeResults(`rss-${IDENTIFIERS}`, result)
  log(`written to ${file}`)
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
}

function cpuSince(start: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(start)
  return (u.user + u.system) / 1e6
}

await main()
