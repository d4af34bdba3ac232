/**
 * Store micro-benchmark: record codecs and the byte stores, without the resolver.
 * `npm run bench:store [-- --keys 1000000 --rounds 200000]`. Numbers go to
 * bench/results/store-<date>.json and docs/state-store.md.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import type { KeyValueStore, KeyValueWrite } from '../../src/ports/key-value-store.js'
import { MemoryStore } from '../../src/state/memory-store.js'
import { jsonCodec, msgpackCodec, v8Codec, type RecordCodec } from '../../src/state/record-codec.js'
import { RocksDbStore } from '../../src/state/rocksdb-store.js'
import { benchArgs, integer } from '../lib/args.js'
import { writeResults } from '../lib/results.js'

const args = benchArgs('bench:store', {
  keys: integer('link records written to and read from each store', {
    default: 1_000_000,
    min: 1,
  }),
  rounds: integer('encodes and decodes per codec and record', { default: 200_000, min: 1 }),
})
const ROUNDS = args.rounds
const STORE_KEYS = args.keys
const BATCH = 1_000

/** Shaped like a profile record after a few events: the biggest record the core stores. */
const profile = {
  kind: 'profile',
  tenant: 'acme',
  profileId: 'acme:e-000123456:0',
  anchor: { type: 'customer_id', value: 'C000123456' },
  links: [
    { type: 'email', value: 'ann.smith123456@example.com' },
    { type: 'phone', value: '+15550123456' },
    { type: 'loyalty_card', value: 'L0123456' },
    { type: 'device_id', value: 'd-9f8e7d6c5b4a' },
  ],
  channels: ['call_center', 'store', 'web'],
  attributes: {
    first_name: 'Ann',
    city: 'Paris',
    orders: 12,
    vip: true,
    last_order: 1_700_000_000_000,
  },
  provenance: {
    first_name: { source: 'web', timestamp: 1_700_000_000_000, eventId: 'e-1', sequence: 1 },
    city: { source: 'store', timestamp: 1_700_000_100_000, eventId: 'e-2', sequence: 2 },
    orders: { source: 'call_center', timestamp: 1_700_000_200_000, eventId: 'e-3', sequence: 3 },
  },
  timeline: [
    {
      eventId: 'e-4',
      timestamp: 1_700_000_300_000,
      source: 'call_center',
      note: 'Asked about delivery',
    },
  ],
  mergedFrom: ['acme:e-000000001:0'],
  createdAt: 1_700_000_000_000,
  updatedAt: 1_700_000_300_000,
}
/** Shaped like a link record: the most frequent record. */
const link = { kind: 'link', profileId: 'acme:e-000123456:0', since: 1_700_000_000_000 }

function rate(count: number, startNs: bigint): number {
  return Math.round(count / (Number(process.hrtime.bigint() - startNs) / 1e9))
}

function benchCodec(codec: RecordCodec<object>, value: object) {
  const bytes = codec.encode(value)
  let t = process.hrtime.bigint()
  for (let i = 0; i < ROUNDS; i++) codec.encode(value)
  const encodePerSec = rate(ROUNDS, t)
  t = process.hrtime.bigint()
  for (let i = 0; i < ROUNDS; i++) codec.decode(bytes)
  const decodePerSec = rate(ROUNDS, t)
  return { codec: codec.name, bytes: bytes.length, encodePerSec, decodePerSec }
}

async function benchStore(name: string, store: KeyValueStore, value: Uint8Array) {
  const key = (i: number) => `acme/l/email/user${(i * 7919) % STORE_KEYS}@example.com`
  let t = process.hrtime.bigint()
  for (let start = 0; start < STORE_KEYS; start += BATCH) {
    const batch = []
    for (let i = start; i < Math.min(start + BATCH, STORE_KEYS); i++)
      batch.push({ key: key(i), value })
    await store.write(batch)
  }
  const putsPerSec = rate(STORE_KEYS, t)
  // Random gets over the whole key space, in batches (as the overlay asks for misses).
  let seed = 42
  const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31)
  const reads = Math.min(STORE_KEYS, 500_000)
  t = process.hrtime.bigint()
  let found = 0
  for (let done = 0; done < reads; done += BATCH) {
    const keys = Array.from({ length: BATCH }, () => key(next() % STORE_KEYS))
    for (const v of await store.getMany(keys)) if (v !== undefined) found++
  }
  const getsPerSec = rate(reads, t)
  if (found !== reads)
    throw new Error(`${name}: expected every key to be found (${found}/${reads})`)
  await store.close()
  return {
    store: name,
    keys: STORE_KEYS,
    valueBytes: value.length,
    batch: BATCH,
    putsPerSec,
    getsPerSec,
  }
}

const codecs = [jsonCodec<object>(), v8Codec<object>(), msgpackCodec<object>()]
const codecResults = codecs.flatMap((codec) => [
  { record: 'profile', ...benchCodec(codec, profile) },
  { record: 'link', ...benchCodec(codec, link) },
])
console.table(codecResults)

/** The alternative binding measured for docs/state-store.md: LevelDB through `level` (classic-level). */
async function openLevel(path: string): Promise<KeyValueStore> {
  const db = new Level<string, Uint8Array>(path, { valueEncoding: 'view' })
  await db.open()
  return {
    getMany: (keys) => db.getMany([...keys]),
    write: (batch: readonly KeyValueWrite[]) =>
      db.batch(
        batch.map(({ key, value }) =>
          value === null ? { type: 'del' as const, key } : { type: 'put' as const, key, value },
        ),
      ),
    scan: () => {
      throw new Error('not measured')
    },
    close: () => db.close(),
  }
}

const linkBytes = msgpackCodec<object>().encode(link)
const dir = await mkdtemp(join(tmpdir(), 'unifier-bench-store-'))
const storeResults = [
  await benchStore('memory', new MemoryStore(), linkBytes),
  await benchStore('rocksdb-native', await RocksDbStore.open(join(dir, 'rocksdb')), linkBytes),
  await benchStore('level (LevelDB)', await openLevel(join(dir, 'level')), linkBytes),
]
await rm(dir, { recursive: true, force: true })
console.table(storeResults)

const file = await writeResults('store', {
  rounds: ROUNDS,
  codecs: codecResults,
  stores: storeResults,
})
console.log(`written ${file}`)
