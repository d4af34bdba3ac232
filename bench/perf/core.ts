/**
 * Core benchmark: `npm run bench:core [-- --identifiers 10000000]` (`-- --help` for the options).
 * 1. Events/s of the resolver on both workloads side by side (bench/lib/workload.ts: the
 *    realistic mix from the generator, the churn stream), with the in-memory and the RocksDB
 *    store; each workload's mix, and outputs and flushed state records per event.
 * 2. Merge cost against survivor size: merging a small profile into one holding 2 vs 20,000
 *    links should cost about the same.
 * Results: printed, and written to bench/results/core-<ISO date>.json (see docs/benchmarks.md).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type {
  IdentifierTypeConfig,
  IdentityConfig,
  TenantIdentityConfig,
} from '../../src/core/config.js'
import { createResolver, type StateRecord } from '../../src/core/resolver.js'
import type { StateReader } from '../../src/core/state.js'
import type { ContactEvent, OutputRecord } from '../../src/core/types.js'
import type { KeyValueStore } from '../../src/ports/key-value-store.js'
import { BatchResolver, resolveAll } from '../../src/runtime/batch-resolver.js'
import { createStatePrefetcher } from '../../src/runtime/state-prefetch.js'
import { MemoryStore } from '../../src/state/memory-store.js'
import { RocksDbStore } from '../../src/state/rocksdb-store.js'
import { benchArgs, integer, integers, list } from '../lib/args.js'
import { writeResults } from '../lib/results.js'
import {
  formatMix,
  MixCounter,
  mixShares,
  workloadEvents,
  WORKLOADS,
  type Mix,
  type Workload,
  type WorkloadEvent,
} from '../lib/workload.js'
import { floorLoop } from './floor.js'

const STORES = ['floor', 'core', 'memory', 'rocksdb', 'rocksdb-no-prefetch'] as const
const args = benchArgs('bench:core', {
  identifiers: integer(
    'size of each workload: identifier values of the churn stream (about as many events), events of the realistic one',
    { default: 100_000, min: 1 },
  ),
  seed: integer('seed of both workloads', { default: 7 }),
  workloads: list('workloads, each run on every store', WORKLOADS, WORKLOADS),
  'flush-every': integer('events per batch-resolver flush', { default: 1000, min: 1 }),
  'cache-entries': integer('read-cache entries', { default: 200_000 }),
  'merge-sizes': integers('survivor sizes (links) of the merge-cost experiment', [2, 20_000], 1),
  merges: integer('merges per survivor size', { default: 200, min: 1 }),
  stores: list('throughput runs', STORES, STORES),
})
const { identifiers, seed } = args
const flushEvery = args['flush-every']
const cacheEntries = args['cache-entries']

/** Workloads up to this size are generated before the timing starts; larger ones stream. */
const MATERIALISE_UP_TO = 2_000_000

const type = (
  role: 'anchor' | 'link',
  normalize: IdentifierTypeConfig['normalize'],
  limit: number | null,
  priority: number,
): IdentifierTypeConfig => ({
  role,
  normalize,
  defaultCountry: normalize === 'phone' ? 'GB' : null,
  limit,
  priority,
  blocked: [],
  blockedPatterns: [],
})

/** The sample config's shape; device_id has no limit so one profile can hold 20,000 of them. */
const tenantConfig: TenantIdentityConfig = {
  identifiers: {
    customer_id: type('anchor', 'trim', 1, 1),
    email: type('link', 'email', 3, 2),
    phone: { ...type('link', 'phone', 3, 3), defaultCountry: 'US' },
    loyalty_card: type('link', 'trim', 2, 4),
    device_id: type('link', 'none', null, 5),
  },
  attributes: {
    first_name: 'string',
    city: 'string',
    last_order: 'string',
    order_total: 'number',
    newsletter: 'boolean',
    // the generator's (realistic workload)
    last_name: 'string',
    points: 'number',
    last_order_at: 'datetime',
    newsletter_opt_in: 'boolean',
  },
  sourcePriority: ['store', 'call_center', 'web'],
  timelineCap: 50,
  suppressForgotten: false,
  useDefaultDenyList: true,
  idempotenceWindow: 100_000,
}
const config: IdentityConfig = { tenants: { bench: tenantConfig }, defaults: tenantConfig }
const resolver = createResolver(config)
const prefetcher = createStatePrefetcher(config)

function seconds(startNs: bigint): number {
  return Number(process.hrtime.bigint() - startNs) / 1e9
}

/**
 * CPU seconds of this process since `start` (all threads: GC included). On a shared, loaded
 * machine this varies far less than wall time, which also counts waiting for a core.
 */
function cpuSeconds(start: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(start)
  return (u.user + u.system) / 1e6
}

async function openStore(
  kind: string,
): Promise<{ store: KeyValueStore; cleanup: () => Promise<void> }> {
  if (kind.startsWith('memory')) return { store: new MemoryStore(), cleanup: async () => {} }
  const dir = await mkdtemp(join(tmpdir(), 'unifier-bench-core-'))
  return {
    store: await RocksDbStore.open(dir),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  }
}

/** The events of one workload: generated up front when small enough, so timings exclude it. */
function workloadSource(workload: Workload): () => Iterable<WorkloadEvent> {
  const make = () => workloadEvents(workload, { tenant: 'bench', events: identifiers, seed })
  if (identifiers > MATERIALISE_UP_TO) return make
  const events = [...make()]
  return () => events
}

function generatorOnly(workload: Workload) {
  const t = process.hrtime.bigint()
  let events = 0
  for (const _ of workloadEvents(workload, { tenant: 'bench', events: identifiers, seed })) events++
  const s = seconds(t)
  return { workload, events, seconds: round(s), eventsPerSec: Math.round(events / s) }
}

/** Times `run` (wall and process CPU) and returns the figures every throughput row carries. */
async function timed(workload: Workload, store: string, run: () => Promise<number> | number) {
  const t = process.hrtime.bigint()
  const cpu = process.cpuUsage()
  const events = await run()
  const s = seconds(t)
  const c = cpuSeconds(cpu)
  return {
    workload,
    store,
    identifiers,
    events,
    seconds: round(s),
    eventsPerSec: Math.round(events / s),
    cpuSeconds: round(c),
    eventsPerCpuSec: Math.round(events / c),
    cpuMicrosPerEvent: round((c / events) * 1e6),
  }
}

/**
 * The resolver alone: state in a plain Map of decoded records, no codec, cache or store. Also
 * counts the workload's mix and the state writes and outputs per event before any coalescing.
 */
async function coreOnly(workload: Workload, source: () => Iterable<WorkloadEvent>) {
  const state = new Map<string, StateRecord>()
  const reader: StateReader<StateRecord> = {
    getMany: (keys) => Promise.resolve(keys.map((key) => state.get(key))),
    getManySync: (keys) => keys.map((key) => state.get(key)),
  }
  const mix = new MixCounter()
  let writes = 0
  let outputs = 0
  const row = await timed(workload, 'none (core alone)', async () => {
    let events = 0
    for (const { event, position } of source()) {
      const decision = await resolver.decide(event, position, reader)
      readSnapshots(decision)
      mix.add(event, decision)
      writes += decision.writes.length
      outputs += decision.outputs.length
      for (const { key, value } of decision.writes) {
        if (value === null) state.delete(key)
        else state.set(key, value)
      }
      events++
    }
    return events
  })
  return {
    ...row,
    mix: mix.mix,
    outputsPerEvent: round(outputs / row.events),
    stateWritesPerEvent: round(writes / row.events),
  }
}

/** No rules, only the state traffic every event needs (floor.ts): the runtime's floor. */
function floorOnly(workload: Workload, source: () => Iterable<WorkloadEvent>) {
  return timed(workload, 'floor (no rules: keys, Map reads and writes only)', () =>
    floorLoop(source(), tenantConfig.idempotenceWindow, tenantConfig.timelineCap),
  )
}

async function throughput(
  workload: Workload,
  kind: string,
  source: () => Iterable<WorkloadEvent>,
): Promise<Record<string, unknown> & Awaited<ReturnType<typeof timed>>> {
  if (kind === 'floor') return floorOnly(workload, source)
  if (kind === 'core') return coreOnly(workload, source)
  const { store, cleanup } = await openStore(kind)
  // Prefetching pays where a store round trip is expensive (RocksDB); see docs/state-store.md.
  const prefetch = kind === 'rocksdb' ? prefetcher : undefined
  let flushed = 0
  let outputs = 0
  const batch = await BatchResolver.open({
    resolver,
    store,
    flushEvery,
    cacheEntries,
    onFlush: (written) => {
      flushed += written.length
    },
    ...(prefetch ? { prefetch } : {}),
  })
  const row = await timed(workload, kind, async () => {
    const t = process.hrtime.bigint()
    let reported = 0
    await resolveAll(batch, source(), (_input, decision) => {
      outputs += decision.outputs.length
      if (batch.stats.events - reported < 100_000) return
      reported = batch.stats.events
      process.stderr.write(
        `\r  ${workload} ${kind}: ${reported} events, ${Math.round(reported / seconds(t))}/s  `,
      )
    })
    return batch.stats.events
  })
  process.stderr.write('\r\u001b[K')
  await store.close()
  await cleanup()
  const { applied, merges, reassignments, refusals, deadLetters, duplicates } = batch.stats
  return {
    ...row,
    applied,
    merges,
    reassignments,
    refusals,
    deadLetters,
    duplicates,
    storeReadRoundTrips: batch.storeReads,
    outputsPerEvent: round(outputs / row.events),
    // State records reaching the store, coalesced per key within a flush (a commit's worth).
    flushedStateRecordsPerEvent: round(flushed / row.events),
  }
}

/** Survivor with `size` device links; then `merges` small profiles merge into it, one by one. */
async function mergeCost(size: number, merges: number) {
  const store = new MemoryStore()
  const batch = await BatchResolver.open({ resolver, store, flushEvery, cacheEntries })
  let sequence = 0
  const send = (identifiersOf: ContactEvent['identifiers']) => {
    sequence++
    const event: ContactEvent = {
      eventId: `m${size}-${sequence}`,
      tenant: 'bench',
      type: 'identify',
      source: 'web',
      timestamp: 1_700_000_000_000 + sequence,
      identifiers: identifiersOf,
      attributes: { city: 'Paris' },
      note: null,
    }
    return batch.process(event, { sequence })
  }
  const perEvent = 50
  for (let i = 0; i < size; i += perEvent) {
    const devices = Array.from({ length: Math.min(perEvent, size - i) }, (_, k) => ({
      type: 'device_id',
      value: `big-${i + k}`,
    }))
    await send([{ type: 'customer_id', value: 'CBIG' }, ...devices])
  }
  await batch.flush()
  let decideSeconds = 0
  let flushSeconds = 0
  let snapshotSeconds = 0
  let snapshotSize = 0
  let recordsWritten = 0
  let bytesWritten = 0
  const before = batch.stats.merges
  for (let j = 0; j < merges; j++) {
    await send([
      { type: 'device_id', value: `small-${j}-a` },
      { type: 'device_id', value: `small-${j}-b` },
    ])
    await batch.flush()
    const t = process.hrtime.bigint()
    // Through a device id only: device_id has no limit, so no merge is refused as the survivor grows.
    const decision = await send([
      { type: 'customer_id', value: 'CBIG' },
      { type: 'device_id', value: `small-${j}-a` },
    ])
    decideSeconds += seconds(t)
    // The full profile (every identifier and retired id, sorted) each changelog snapshot
    // carries: O(profile size), assembled when the snapshot is first read (by the encoder).
    const a = process.hrtime.bigint()
    snapshotSize += readSnapshots(decision)
    snapshotSeconds += seconds(a)
    // The flush is part of the cost: the changed records are encoded and written here.
    const f = process.hrtime.bigint()
    const flushed = await batch.flush()
    flushSeconds += seconds(f)
    recordsWritten += flushed.length
    for (const w of flushed) bytesWritten += w.bytes?.length ?? 0
  }
  const merged = batch.stats.merges - before
  if (merged !== merges)
    throw new Error(`expected ${merges} merges into the survivor, saw ${merged}`)
  const micros = (total: number) => round((total / merges) * 1e6)
  return {
    survivorLinks: size,
    merges,
    microsPerMerge: micros(decideSeconds + snapshotSeconds + flushSeconds),
    decideMicros: micros(decideSeconds),
    snapshotMicros: micros(snapshotSeconds),
    flushMicros: micros(flushSeconds),
    snapshotEntries: Math.round(snapshotSize / merges),
    recordsPerMerge: round(recordsWritten / merges),
    bytesPerMerge: Math.round(bytesWritten / merges),
  }
}

/** Reads every snapshot's lists, as an encoder would; returns how many entries they hold. */
function readSnapshots(decision: { readonly outputs: readonly OutputRecord[] }): number {
  let n = 0
  for (const o of decision.outputs)
    if (o.kind === 'profile' && o.profile !== null)
      n += o.profile.identifiers.length + o.profile.mergedFrom.length
  return n
}

function round(n: number): number {
  return Math.round(n * 100) / 100
}

console.log(
  `bench:core — workloads ${args.workloads.join(', ')} of ${identifiers} (churn: identifiers, realistic: events), seed ${seed}, flush every ${flushEvery}, cache ${cacheEntries}`,
)
const generator = args.workloads.map(generatorOnly)
for (const g of generator)
  console.log(`generator alone (${g.workload}): ${g.events} events, ${g.eventsPerSec} events/s`)
const runs: (Awaited<ReturnType<typeof throughput>> & { kind: string })[] = []
const mixes: Partial<Record<Workload, Mix>> = {}
for (const workload of args.workloads) {
  const source = workloadSource(workload)
  for (const kind of args.stores) {
    const run = await throughput(workload, kind, source)
    if ('mix' in run) {
      mixes[workload] = run.mix as Mix
      console.log(`${workload} mix: ${formatMix(run.mix as Mix)}`)
    }
    const counts =
      'merges' in run
        ? ` (merges ${run.merges}, reassignments ${run.reassignments}, refusals ${run.refusals}, store read round trips ${run.storeReadRoundTrips}; per event ${run.outputsPerEvent} outputs, ${run.flushedStateRecordsPerEvent} flushed state records)`
        : 'stateWritesPerEvent' in run
          ? ` (per event ${run.outputsPerEvent} outputs, ${run.stateWritesPerEvent} state writes before coalescing)`
          : ''
    console.log(
      `${workload} ${run.store}: ${run.events} events in ${run.seconds} s = ${run.eventsPerSec} events/s, ${run.eventsPerCpuSec} events per CPU second, ${run.cpuMicrosPerEvent} µs CPU per event${counts}`,
    )
    runs.push({ ...run, kind })
  }
}
if (args.workloads.length > 1) {
  console.log('\nside by side, events per CPU second (µs of CPU per event):')
  console.log(`| store | ${args.workloads.join(' | ')} |`)
  for (const kind of args.stores) {
    const cells = args.workloads.map((w) => {
      const run = runs.find((r) => r.workload === w && r.kind === kind)
      return run === undefined ? '—' : `${run.eventsPerCpuSec} (${run.cpuMicrosPerEvent} µs)`
    })
    console.log(`| ${kind} | ${cells.join(' | ')} |`)
  }
}
const mergeRuns = []
for (const size of args['merge-sizes']) {
  const run = await mergeCost(size, args.merges)
  console.log(
    `merge into survivor with ${size} links: ${run.microsPerMerge} µs per merge (decide ${run.decideMicros} µs, snapshot ${run.snapshotMicros} µs, flush ${run.flushMicros} µs: ${run.recordsPerMerge} records, ${run.bytesPerMerge} bytes)`,
  )
  mergeRuns.push(run)
}
const file = await writeResults('core', {
  identifiers,
  seed,
  workloads: args.workloads,
  mixes: Object.fromEntries(
    Object.entries(mixes).map(([w, mix]) => [w, { ...mix, shares: mixShares(mix) }]),
  ),
  flushEvery,
  cacheEntries,
  generator,
  throughput: runs,
  mergeCost: mergeRuns,
})
console.log(`written ${file}`)
