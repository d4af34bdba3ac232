/**
 * bench:api: the Profile API over a large state (docs/benchmarks.md, "Profile API").
 *
 * 1. The state (api-state.ts): `--profiles N` people of the synthetic stream resolved into a
 *    RocksDB store as the processor lays it out; built once under bench/data/ and reused.
 * 2. The server (api-server.ts) in its own process: the replica's read path over that store and
 *    the search index built as `unifier api` builds it; its build time and heap are reported,
 *    and no load starts before it is built.
 * 3. The load (api-load.ts) in another process, open loop: lookups by identifier of random
 *    people at each `--rates` rate, `--repeat` times each; then searches of each query class
 *    (selective, broad, filters) in turn at `--search-rate`: p50/p99 and CPU per search.
 * `--read-after-write` measures the lag from produce to the API on the broker instead
 * (api-raw.ts; needs KAFKA_BROKERS and SCHEMA_REGISTRY_URL).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { packageRoot } from '../../src/topology/package-files.js'
import { seededRandom } from '../../test/support/synthetic-stream.js'
import { benchArgs, flag, integer, integers } from '../lib/args.js'
import { processCpuSeconds } from '../lib/processes.js'
import { writeResults } from '../lib/results.js'
import { readAfterWrite } from './api-raw.js'
import { API_TENANT, apiState, lastNameOf } from './api-state.js'

const args = benchArgs('bench:api', {
  profiles: integer('people in the state (about one profile each)', {
    default: 1_000_000,
    min: 1_000,
  }),
  rates: integers('lookup rates to measure, requests/s', [1_000, 5_000], 1),
  seconds: integer('seconds of load per lookup run', { default: 15, min: 1 }),
  repeat: integer('runs per lookup rate (the median is reported)', { default: 3, min: 1 }),
  connections: integer('keep-alive connections of the load generator', { default: 64, min: 1 }),
  'search-rate': integer('searches/s of each query class', { default: 5, min: 1 }),
  'search-seconds': integer('seconds of load per query class', { default: 20, min: 1 }),
  seed: integer('seed of the synthetic stream', { default: 42 }),
  rebuild: flag('build the state again even if bench/data holds it'),
  'read-after-write': flag('measure produce → visible in `unifier api` on the broker instead'),
  'events-per-second': integer('read-after-write: input events/s produced', {
    default: 5_000,
    min: 1,
  }),
})

const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d
const log = (s: string) => console.log(`[bench:api] ${s}`)
const load1 = () => round(loadavg()[0] ?? 0)

if (args['read-after-write']) {
  const result = await readAfterWrite({
    eventsPerSecond: args['events-per-second'],
    seconds: args.seconds,
    seed: args.seed,
    log,
  })
  log(`written ${await writeResults('api-read-after-write', { settings: args, ...result })}`)
  process.exit(0)
}

function tsx(file: string, argv: string[], stdin?: string, node: string[] = []): ChildProcess {
  const script = join(packageRoot(), file)
  const child = spawn(process.execPath, [...node, '--import', 'tsx', script, ...argv], {
    cwd: packageRoot(),
    stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'inherit'],
  })
  child.stdin?.end(stdin)
  return child
}

/** Starts the server; resolves once its search index is built, with the index's figures. */
async function startServer(store: string) {
  const child = tsx('bench/perf/api-server.ts', [store], undefined, ['--expose-gc'])
  let url = ''
  const index = await new Promise<Record<string, number>>((resolve, reject) => {
    let out = ''
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString('utf8')
      url ||= /listening (\S+)/.exec(out)?.[1] ?? ''
      const built = /search-index (\{.*\})/.exec(out)?.[1]
      if (built !== undefined) resolve(JSON.parse(built) as Record<string, number>)
    })
    child.once('exit', (code) => reject(new Error(`api-server exited ${code}: ${out}`)))
  })
  return { url, child, index }
}

type Summary = Record<'p50' | 'p90' | 'p99' | 'max', number | null>
interface LoadResult extends Summary {
  requests: number
  errors: number
  achievedRps: number
  statuses: Record<string, number>
  service: Summary
  sendLag: { p50: number | null; p99: number | null }
  /** CPU the load generator itself used (near 1: it, not the server, may be the limit). */
  loadCores: number
}

async function load(job: { paths: string[]; rate: number; seconds: number }): Promise<LoadResult> {
  const child = tsx(
    'bench/perf/api-load.ts',
    [],
    JSON.stringify({ base: url, connections: args.connections, ...job }),
  )
  let out = ''
  child.stdout?.on('data', (c: Buffer) => (out += c.toString('utf8')))
  await new Promise((resolve) => child.once('exit', resolve))
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as LoadResult
}

/** A load run, with the cores the server used meanwhile and the machine's load around it. */
async function measured(job: Parameters<typeof load>[0]) {
  const loadBefore = load1()
  const before = processCpuSeconds(server.pid ?? 0) ?? 0
  const started = performance.now()
  const r = await load(job)
  const cpu = (processCpuSeconds(server.pid ?? 0) ?? 0) - before
  const seconds = (performance.now() - started) / 1000
  return {
    ...r,
    serverCores: round(cpu / seconds),
    // the load-independent figure: CPU the server spends per answer (1e6 / it = answers/s a
    // free core could give)
    serverCpuUsPerRequest: Math.round((cpu * 1e6) / Math.max(1, r.requests)),
    load1m: [loadBefore, load1()],
  }
}

const random = seededRandom(args.seed ^ 0xa91)
const person = () => Math.floor(random() * args.profiles)
const api = `/v1/tenants/${API_TENANT}`

/** Emails of random people of the whole state (each person has one: all answer 200). */
const lookupPaths = (count: number) =>
  Array.from({ length: count }, () => {
    return `${api}/identifiers/email/${encodeURIComponent(`user${person()}@mailhost.net`)}`
  })

/** The synthetic stream's first names (test/support/synthetic-stream.ts): ~1/8 of people each. */
const FIRST_NAMES = ['Ann', 'Bruno', 'Carla', 'Dan', 'Eve', 'Farid', 'Gita', 'Hugo']

/** The query classes of the search mix, each a generator of one query string. */
const SEARCHES: Record<string, () => string> = {
  // ~80 profiles share a last name
  'rare last name': () => `q=${lastNameOf(person())}`,
  // a first name and the start of a last name, as typed: ann + every "kalo…" name
  'two words (first, last prefix)': () => {
    const n = person()
    return `q=${encodeURIComponent(`${FIRST_NAMES[n % 8]} ${lastNameOf(n).slice(0, 4)}`)}`
  },
  // 1/8 of the profiles
  'common first name': () => `q=${FIRST_NAMES[person() % 8]}`,
  // a tenth of the profiles, no words: a column scan
  'number range (points)': () => {
    const from = Math.floor(random() * 9) * 100
    return `filter=${encodeURIComponent(`points:${from}..${from + 99}`)}`
  },
  // the 40% of people with a device id, no words: a column scan
  'has=device_id': () => 'has=device_id',
}

const { store, build } = await apiState({
  profiles: args.profiles,
  seed: args.seed,
  rebuild: args.rebuild,
  log,
})
log(`server: starting, building the search index (load ${load1()})`)
const { url, child: server, index } = await startServer(store)
log(`server ${url}: search index ${JSON.stringify(index)} (load ${load1()})`)
const result: Record<string, unknown> = {
  settings: { ...args, tenant: API_TENANT, identityConfig: 'samples/identity.yaml' },
  stateBuild: build,
  searchIndex: index,
}
const median = (xs: Array<number | null>) => {
  const s = xs.filter((x): x is number => x !== null).sort((a, b) => a - b)
  return s.length === 0 ? null : (s[Math.floor((s.length - 1) / 2)] as number)
}
try {
  // warm-up: JIT, RocksDB's index blocks; other people than the measured ones
  await load({ paths: lookupPaths(5_000), rate: 1_000, seconds: 5 })
  const lookups: Record<string, unknown> = {}
  for (const rate of args.rates) {
    const runs = []
    for (let i = 0; i < args.repeat; i++) {
      const r = await measured({
        paths: lookupPaths(rate * args.seconds),
        rate,
        seconds: args.seconds,
      })
      runs.push(r)
      log(
        `lookup at ${rate}/s (run ${i + 1}): achieved ${r.achievedRps}/s, p50 ${r.p50} ms, p99 ${r.p99} ms, max ${r.max} ms; service p99 ${r.service.p99} ms, send lag p99 ${r.sendLag.p99} ms; statuses ${JSON.stringify(r.statuses)}, errors ${r.errors}; server ${r.serverCores} cores (${r.serverCpuUsPerRequest} µs a lookup), generator ${r.loadCores} cores; load ${r.load1m.join(' → ')}`,
      )
    }
    const medians = { p50: median(runs.map((r) => r.p50)), p99: median(runs.map((r) => r.p99)) }
    log(
      `lookup at ${rate}/s: median of ${runs.length} runs p50 ${medians.p50} ms, p99 ${medians.p99} ms`,
    )
    lookups[String(rate)] = { medians, runs }
  }
  result.lookups = lookups

  // One class at a time at a fixed rate: its latency and the server's CPU per search (what
  // an idle core answers it in: the floor of its latency, which the machine's load does not
  // inflate the way it inflates the latency). A mix at 50/s overloads one core at 1M profiles.
  const search: Record<string, unknown> = {}
  for (const [label, query] of Object.entries(SEARCHES)) {
    const count = args['search-rate'] * args['search-seconds']
    const paths = Array.from({ length: count }, () => `${api}/search?${query()}`)
    const r = await measured({ paths, rate: args['search-rate'], seconds: args['search-seconds'] })
    search[label] = r
    log(
      `search "${label}" at ${args['search-rate']}/s: achieved ${r.achievedRps}/s, p50 ${r.p50} ms, p99 ${r.p99} ms, max ${r.max} ms, ${round(r.serverCpuUsPerRequest / 1000)} ms of server CPU a search; statuses ${JSON.stringify(r.statuses)}; load ${r.load1m.join(' → ')}`,
    )
  }
  result.search = search
} finally {
  server.kill('SIGTERM')
  await new Promise((resolve) => server.once('exit', resolve))
}
log(`written ${await writeResults(`api-${args.profiles}`, result)}`)
