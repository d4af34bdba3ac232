/**
 * Core benchmark: `npm run bench:core [-- --identifiers 10000000]` (`-- --help` for the options).
 * 1. Events/s of the resolver on a synthetic stream, with the in-memory and the RocksDB store.
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
import { syntheticStream } from '../../test/support/synthetic-stream.js'
import { benchArgs, integer, integers, list } from '../lib/args.js'
import { writeResults } from '../lib/results.js'
import { floorLoop } from './floor.js'

const STORES = ['floor', 'core', 'memory', 'rocksdb', 'rocksdb-no-prefetch'] as const
const args = benchArgs('bench:core', {
  identifiers: integer('identifier values in the synthetic stream', { default: 100_000, min: 1 }),
  seed: integer('seed of the synthetic stream', { default: 7 }),
  'flush-every': integer('events per batch-resolver flush', { default: 1000, min: 1 }),
  'cache-entries': integer('read-cache entries', { default: 200_000 }),
  'merge-sizes': integers('survivor sizes (links) of the merge-cost experiment', [2, 20_000], 1),
  merges: integer('merges per survivor size', { default: 200, min: 1 }),
  stores: list('throughput runs', STORES, STORES),
})
const { identifiers, seed } = args
const flushEvery = args['flush-every']
const cacheEntries = args['cache-entries']

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
    phone: type('link', 'phone', 3, 3),
    loyalty_card: type('link', 'trim', 2, 4),
    device_id: type('link', 'none', null, 5),
  },
  attributes: {
    first_name: 'string',
    city: 'string',
    last_order: 'string',
    order_total: 'number',
    newsletter: 'boolean',
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

function generatorOnly() {
  const t = process.hrtime.bigint()
  let events = 0
  for (const _ of syntheticStream({ tenant: 'bench', identifiers, seed })) events++
  const s = seconds(t)
  return { events, seconds: round(s), eventsPerSec: Math.round(events / s) }
}

/** Times `run` (wall and process CPU) and returns the figures every throughput row carries. */
async function timed(store: string, run: () => Promise<number> | number) {
  const t = process.hrtime.bigint()
  const cpu = process.cpuUsage()
  const events = await run()
  const s = seconds(t)
  const c = cpuSeconds(cpu)
  return {
    store,
    identifiers,
    events,
    seconds: round(s),
    eventsPerSec: Math.round(events / s),
    cpuSeconds: round(c),
    eventsPerCpuSec: Math.round(events / c),
  }
}

/** The resolver alone: state in a plain Map of decoded records, no codec, cache or store. */
function coreOnly() {
  const state = new Map<string, StateRecord>()
  const reader: StateReader<StateRecord> = {
    getMany: (keys) => Promise.resolve(keys.map((key) => state.get(key))),
    getManySync: (keys) => keys.map((key) => state.get(key)),
  }
  return timed('none (core alone)', async () => {
    let events = 0
    for (const { event, position } of syntheticStream({ tenant: 'bench', identifiers, seed })) {
      const decision = await resolver.decide(event, position, reader)
      readSnapshots(decision)
      for (const { key, value } of decision.writes) {
        if (value === null) state.delete(key)
        else state.set(key, value)
      }
      events++
    }
    return events
  })
}

/** No rules, only the state traffic every event needs (floor.ts): the runtime's floor. */
function floorOnly() {
  return timed('floor (no rules: keys, Map reads and writes only)', () =>
    floorLoop(
      syntheticStream({ tenant: 'bench', identifiers, seed }),
      tenantConfig.idempotenceWindow,
      tenantConfig.timelineCap,
    ),
  )
}

async function throughput(kind: string) {
  if (kind === 'floor') return floorOnly()
  if (kind === 'core') return coreOnly()
  const { store, cleanup } = await openStore(kind)
  // Prefetching pays where a store round trip is expensive (RocksDB); see docs/state-store.md.
  const prefetch = kind === 'rocksdb' ? prefetcher : undefined
  const batch = await BatchResolver.open({
    resolver,
    store,
    flushEvery,
    cacheEntries,
    ...(prefetch ? { prefetch } : {}),
  })
  const row = await timed(kind, async () => {
    const t = process.hrtime.bigint()
    let reported = 0
    await resolveAll(batch, syntheticStream({ tenant: 'bench', identifiers, seed }), () => {
      if (batch.stats.events - reported < 100_000) return
      reported = batch.stats.events
      process.stderr.write(
        `\r  ${kind}: ${reported} events, ${Math.round(reported / seconds(t))}/s  `,
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
  `bench:core — ${identifiers} identifiers, seed ${seed}, flush every ${flushEvery}, cache ${cacheEntries}`,
)
const generator = generatorOnly()
console.log(`generator alone: ${generator.events} events, ${generator.eventsPerSec} events/s`)
const runs = []
for (const kind of args.stores) {
  const run = await throughput(kind)
  const counts =
    'merges' in run
      ? ` (merges ${run.merges}, reassignments ${run.reassignments}, refusals ${run.refusals}, store read round trips ${run.storeReadRoundTrips})`
      : ''
  console.log(
    `${run.store}: ${run.events} events in ${run.seconds} s = ${run.eventsPerSec} events/s, ${run.eventsPerCpuSec} events per CPU second${counts}`,
  )
  runs.push(run)
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
  flushEvery,
  cacheEntries,
  generator,
  throughput: runs,
  mergeCost: mergeRuns,
})
console.log(`written ${file}`)
