/**
 * The server half of bench:lookup-cpu (lookup-cpu.ts): one process over a RocksDB state, one
 * Profile API server per read mode, all over the same store (so the same warm block cache),
 * each with its own ProfileReadSide:
 *   snapshot   a snapshot per answer, no cache (the read side before 2026-12-05)
 *   feed       the write feed: no snapshot unless a batch lands meanwhile, no cache
 *   cache:N    the write feed and N cached decoded records (`unifier api`'s default: 100000)
 * Logging: one info line per request to /dev/null, written synchronously (pino's default
 * destination, as api-server.ts); a `+async` suffix writes them asynchronously (coalesced while
 * a write is under way), `+buffered` synchronously 4 KiB at a time, `+quiet` logs at warn (no
 * line per request). No search index (lookups
 * do not read it).
 * Prints `listening <mode> <url>` per mode, then `ready`.
 *   tsx bench/perf/lookup-cpu-server.ts <state dir> <mode>...
 */
import { pino } from 'pino'
import { join } from 'node:path'
import { ProfileReadSide } from '../../src/api/read-side.js'
import { startApiServer } from '../../src/api/server.js'
import { loadIdentityConfig } from '../../src/config/identity-config.js'
import { PrometheusMetrics } from '../../src/runtime/metrics.js'
import { WriteObservedStore } from '../../src/state/observed-store.js'
import { RocksDbStore } from '../../src/state/rocksdb-store.js'
import { packageRoot } from '../../src/topology/package-files.js'

const [dir, ...modes] = process.argv.slice(2)
if (dir === undefined || modes.length === 0)
  throw new Error('usage: lookup-cpu-server.ts <state dir> <mode>...')
const config = await loadIdentityConfig(join(packageRoot(), 'samples', 'identity.yaml'))
const store = await RocksDbStore.open(dir)
// what the replica applies batches through (none here: the state is still)
const observed = new WriteObservedStore(store)
const servers: Array<{ close(): Promise<unknown> }> = []
for (const mode of modes) {
  const [read = '', logging] = mode.split('+')
  const cached = /^cache:(\d+)$/.exec(read)?.[1]
  if (read !== 'snapshot' && read !== 'feed' && cached === undefined)
    throw new Error(`unknown mode ${mode}`)
  const readSide = new ProfileReadSide(
    config,
    store,
    null,
    null,
    read === 'snapshot' ? null : { feed: observed, cachedRecords: Number(cached ?? 0) },
  )
  const server = await startApiServer({
    host: '127.0.0.1',
    port: 0,
    health: () => ({ status: 'running', generation: 1, partitions: [] }),
    metrics: new PrometheusMetrics().registry,
    profiles: () => readSide,
    logger: pino(
      { level: logging === 'quiet' ? 'warn' : 'info' },
      pino.destination({
        dest: '/dev/null',
        sync: logging !== 'async',
        minLength: logging === 'buffered' ? 4096 : 0,
      }),
    ),
  })
  servers.push(server)
  const address = server.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  console.log(`listening ${mode} http://127.0.0.1:${port}`)
}
console.log('ready')
const stop = async () => {
  for (const s of servers) await s.close()
  await store.close()
  process.exit(0)
}
process.on('SIGTERM', () => void stop())
process.on('SIGINT', () => void stop())
