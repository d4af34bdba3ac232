/**
 * The server half of bench:api (api.ts), in its own process: the Profile API over a RocksDB
 * state directory, read with the replica's read path (ProfileReadSide over the store with the
 * write feed of the applied batches; API_READ below), the search index built as `unifier api` builds it (searchIndexedStore:
 * one scan of the store), and one info log line per request as `unifier api` writes (to
 * /dev/null here). Prints `listening <url>`, then `search-index <json>` once the index is
 * built (build time, heap before and after; run with --expose-gc for a settled heap).
 *   tsx bench/perf/api-server.ts <state dir>
 */
import { pino } from 'pino'
import { join } from 'node:path'
import { ProfileReadSide } from '../../src/api/read-side.js'
import { searchIndexedStore } from '../../src/api/search-index.js'
import { startApiServer } from '../../src/api/server.js'
import { loadIdentityConfig } from '../../src/config/identity-config.js'
import { PrometheusMetrics } from '../../src/runtime/metrics.js'
import { RocksDbStore } from '../../src/state/rocksdb-store.js'
import { packageRoot } from '../../src/topology/package-files.js'

const dir = process.argv[2]
if (dir === undefined) throw new Error('usage: api-server.ts <state dir>')
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined)
const config = await loadIdentityConfig(join(packageRoot(), 'samples', 'identity.yaml'))
const store = await RocksDbStore.open(dir)
gc()
const heapBefore = process.memoryUsage().heapUsed
const started = performance.now()
const { search, store: observed } = searchIndexedStore(config, store)
// API_READ: unset, as `unifier api` (the write feed, the default record cache); `snapshot`: a
// snapshot per answer, no cache (before 2026-12-05); a number: that many cached records
const mode = process.env.API_READ
const readSide = new ProfileReadSide(
  config,
  store,
  null,
  search,
  mode === 'snapshot'
    ? null
    : { feed: observed, ...(mode === undefined ? {} : { cachedRecords: Number(mode) }) },
)
const server = await startApiServer({
  host: '127.0.0.1',
  port: 0,
  health: () => ({ status: 'running', generation: 1, partitions: [] }),
  metrics: new PrometheusMetrics().registry,
  profiles: () => readSide,
  logger: pino({ level: process.env.LOG_LEVEL ?? 'info' }, pino.destination('/dev/null')),
})
const address = server.server.address()
console.log(
  `listening http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`,
)
void search.ready.then(() => {
  const seconds = (performance.now() - started) / 1000
  gc()
  const mib = (n: number) => Math.round(n / 2 ** 20)
  const { heapUsed, rss } = process.memoryUsage()
  const built = {
    profiles: search.size,
    seconds: Math.round(seconds * 10) / 10,
    heapMiB: mib(heapUsed - heapBefore),
    bytesPerProfile: Math.round((heapUsed - heapBefore) / Math.max(1, search.size)),
    rssMiB: mib(rss),
  }
  console.log(`search-index ${JSON.stringify(built)}`)
})
const stop = async () => {
  await server.close()
  await store.close()
  process.exit(0)
}
process.on('SIGTERM', () => void stop())
process.on('SIGINT', () => void stop())
