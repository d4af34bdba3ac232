/**
 * The server half of bench:api (api.ts), in its own process: the Profile API over a RocksDB
 * state directory, read with the replica's read path (ProfileReadSide over the store, one
 * snapshot per answer) and logging one info line per request as `unifier api` does (to
 * /dev/null here). Prints `listening <url>` once it serves.
 *   tsx bench/perf/api-server.ts <state dir>
 */
import { pino } from 'pino'
import { join } from 'node:path'
import { ProfileReadSide } from '../../src/api/read-side.js'
import { startApiServer } from '../../src/api/server.js'
import { loadIdentityConfig } from '../../src/config/identity-config.js'
import { PrometheusMetrics } from '../../src/runtime/metrics.js'
import { RocksDbStore } from '../../src/state/rocksdb-store.js'
import { packageRoot } from '../../src/topology/package-files.js'

const dir = process.argv[2]
if (dir === undefined) throw new Error('usage: api-server.ts <state dir>')
const config = await loadIdentityConfig(join(packageRoot(), 'samples', 'identity.yaml'))
const store = await RocksDbStore.open(dir)
const readSide = new ProfileReadSide(config, store)
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
const stop = async () => {
  await server.close()
  await store.close()
  process.exit(0)
}
process.on('SIGTERM', () => void stop())
process.on('SIGINT', () => void stop())
