/**
 * Heap the search index costs per profile, and search latency, over N synthetic profiles
 * (email, phone, customer_id; first/last name, points, birthday, a boolean):
 * `node --expose-gc --import tsx bench/perf/search-memory.ts [N]`.
 */
import { SearchIndex } from '../../src/api/search-index.js'
import { queryTerms } from '../../src/api/search-terms.js'
import type { IdentityConfig } from '../../src/core/config.js'
import { profileKey } from '../../src/core/keys.js'
import type { StateRecord } from '../../src/core/state-records.js'
import { MemoryStore } from '../../src/state/memory-store.js'
import { msgpackCodec } from '../../src/state/record-codec.js'
import { loadIdentityConfig } from '../../src/config/identity-config.js'
import { DEFAULT_START } from '../../src/cli/sample-defaults.js'

const n = Number(process.argv[2] ?? 100_000)
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined)
const FIRST = ['ann', 'bruno', 'carla', 'dan', 'eve', 'fatima', 'george', 'hana', 'ivan', 'julia']
const LAST = Array.from({ length: 5000 }, (_, i) => `name${i.toString(36)}`)

const config: IdentityConfig = await loadIdentityConfig(DEFAULT_START.config)
const codec = msgpackCodec<StateRecord>()
const store = new MemoryStore()
const batch = []
for (let i = 0; i < n; i++) {
  const first = FIRST[i % FIRST.length] as string
  const last = LAST[(i * 7919) % LAST.length] as string
  const id = `p_${i.toString(16).padStart(32, '0')}`
  const record: StateRecord = {
    type: 'profile',
    profileId: id,
    anchor: { type: 'customer_id', value: `C${i}` },
    counts: {},
    members: [
      { type: 'customer_id', value: `C${i}` },
      { type: 'email', value: `${first}.${last}${i}@example.com` },
      { type: 'phone', value: `+1212${String(i).padStart(7, '0')}` },
    ],
    retired: [],
    retiredBy: [],
    next: null,
    chunkSeq: 0,
    channels: ['web'],
    attributes: {
      first_name: first,
      last_name: last,
      points: i % 1000,
      birthday: `${1950 + (i % 50)}-0${1 + (i % 9)}-1${i % 10}`,
      newsletter_opt_in: i % 2 === 0,
    },
    provenance: {},
    timeline: [],
    createdAt: 0,
    createdSequence: i,
    updatedAt: 0,
    size: 1,
  }
  batch.push({ key: profileKey('acme', id), value: codec.encode(record) })
}
await store.write(batch)
batch.length = 0
gc()
const before = process.memoryUsage().heapUsed
const started = Date.now()
const index = SearchIndex.open({ config, store, subscribe: () => () => undefined })
await index.ready
const buildMs = Date.now() - started
gc()
const after = process.memoryUsage().heapUsed
const time = (label: string, q: Parameters<SearchIndex['search']>[1]) => {
  const ms: number[] = []
  for (let i = 0; i < 50; i++) {
    const t = process.hrtime.bigint()
    index.search('acme', q)
    ms.push(Number(process.hrtime.bigint() - t) / 1e6)
  }
  ms.sort((a, b) => a - b)
  console.log(`${label}: p50 ${ms[25]?.toFixed(2)} ms, p99 ${ms[49]?.toFixed(2)} ms`)
}
console.log(
  `${n} profiles: index ${((after - before) / n).toFixed(0)} bytes/profile, built in ${buildMs} ms`,
)
const base = { filters: [], match: 'all' as const, limit: 20, after: null }
time('q=name1a (exact, ~n/5000 hits)', { ...base, terms: queryTerms('name1a') })
time('q=ann name1 (prefix last word)', { ...base, terms: queryTerms('ann name1') })
time('q=ann (n/10 hits)', { ...base, terms: queryTerms('ann') })
time('q=ann + points 100..200', {
  ...base,
  terms: queryTerms('ann'),
  filters: [{ kind: 'range', attribute: 'points', from: 100, to: 200 }],
})
time('has=phone only (every profile)', {
  ...base,
  terms: [],
  filters: [{ kind: 'has', identifierType: 'phone' }],
})
