/**
 * bench:lookup-cpu: the server CPU per identifier lookup, and p50/p99 at fixed rates, of the
 * Profile API's read modes (lookup-cpu-server.ts) over bench:api's state (api-state.ts), the
 * modes' runs alternated (round r runs every mode once, in turn) so that they share the
 * machine's load. CPU µs per lookup is the server process's CPU time over the requests sent.
 * Traffic: lookups by email of random people of the whole state, or with `--hot H` of H
 * random people only (a working set, as real traffic has).
 *   npm run bench:lookup-cpu -- --profiles 1000000 --modes snapshot,feed,cache:100000
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { packageRoot } from '../../src/topology/package-files.js'
import { seededRandom } from '../../test/support/synthetic-stream.js'
import { benchArgs, integer, integers, string } from '../lib/args.js'
import { processCpuSeconds } from '../lib/processes.js'
import { writeResults } from '../lib/results.js'
import { API_TENANT, apiState } from './api-state.js'

const args = benchArgs('bench:lookup-cpu', {
  profiles: integer('people in the state (bench:api state)', { default: 1_000_000, min: 1_000 }),
  modes: string('read modes, comma-separated (lookup-cpu-server.ts)', 'snapshot,feed,cache:100000'),
  rates: integers('lookup rates, requests/s', [2_000, 5_000], 1),
  seconds: integer('seconds per run', { default: 10, min: 1 }),
  rounds: integer('rounds (each runs every mode once; medians reported)', { default: 3, min: 1 }),
  hot: integer('lookups of this many random people only (0: the whole state)', { default: 0 }),
  connections: integer('keep-alive connections of the load generator', { default: 64, min: 1 }),
  seed: integer('seed of the synthetic stream', { default: 42 }),
})

const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d
const log = (s: string) => console.log(`[bench:lookup-cpu] ${s}`)
const load1 = () => round(loadavg()[0] ?? 0)
const median = (xs: number[]) => {
  const s = xs.slice().sort((a, b) => a - b)
  return s.length === 0 ? null : (s[Math.floor((s.length - 1) / 2)] as number)
}

function tsx(file: string, argv: string[], stdin?: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(packageRoot(), file), ...argv], {
    cwd: packageRoot(),
    stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'inherit'],
  })
  child.stdin?.end(stdin)
  return child
}

const modes = args.modes.split(',').filter((m) => m !== '')
const { store } = await apiState({ profiles: args.profiles, seed: args.seed, rebuild: false, log })
const server = tsx('bench/perf/lookup-cpu-server.ts', [store, ...modes])
const urls = await new Promise<Map<string, string>>((resolve, reject) => {
  let out = ''
  server.stdout?.on('data', (c: Buffer) => {
    out += c.toString('utf8')
    if (/^ready$/m.test(out))
      resolve(
        new Map(
          [...out.matchAll(/^listening (\S+) (\S+)$/gm)].map((m) => [m[1] ?? '', m[2] ?? '']),
        ),
      )
  })
  server.once('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)))
})

const random = seededRandom(args.seed ^ 0x10c)
const person = () => Math.floor(random() * args.profiles)
const hotSet = Array.from({ length: args.hot }, person)
const lookupPath = (n: number) =>
  `/v1/tenants/${API_TENANT}/identifiers/email/${encodeURIComponent(`user${n}@mailhost.net`)}`
const lookupPaths = (count: number) =>
  Array.from({ length: count }, () =>
    lookupPath(args.hot > 0 ? (hotSet[Math.floor(random() * args.hot)] as number) : person()),
  )

interface LoadResult {
  requests: number
  errors: number
  achievedRps: number
  p50: number | null
  p99: number | null
  statuses: Record<string, number>
}

async function load(
  base: string,
  rate: number,
  seconds: number,
  paths = lookupPaths(rate * seconds),
): Promise<LoadResult> {
  const job = { base, connections: args.connections, paths, rate, seconds }
  const child = tsx('bench/perf/api-load.ts', [], JSON.stringify(job))
  let out = ''
  child.stdout?.on('data', (c: Buffer) => (out += c.toString('utf8')))
  await new Promise((resolve) => child.once('exit', resolve))
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as LoadResult
}

const pid = server.pid ?? 0
const results: Record<string, Record<string, unknown>> = {}
try {
  // warm-up of every mode: JIT, RocksDB's blocks, each cache with the traffic's working set
  // (with --hot, every hot person once: the caches then hold the working set)
  const warm = args.hot > 0 ? hotSet.map((n) => lookupPath(n)) : lookupPaths(5_000)
  for (const mode of modes)
    await load(urls.get(mode) as string, 2_000, Math.ceil(warm.length / 2_000), warm)
  for (const rate of args.rates) {
    const runs = new Map<string, Array<LoadResult & { cpuUsPerLookup: number; load1: number }>>()
    for (let r = 0; r < args.rounds; r++)
      for (const mode of modes) {
        const before = processCpuSeconds(pid) ?? 0
        const res = await load(urls.get(mode) as string, rate, args.seconds)
        const cpu = (processCpuSeconds(pid) ?? 0) - before
        const run = {
          ...res,
          cpuUsPerLookup: round((cpu * 1e6) / Math.max(1, res.requests), 1),
          load1: load1(),
        }
        runs.set(mode, [...(runs.get(mode) ?? []), run])
        log(
          `${rate}/s ${mode} (round ${r + 1}): ${run.cpuUsPerLookup} µs CPU/lookup, p50 ${res.p50} ms, p99 ${res.p99} ms, achieved ${res.achievedRps}/s, statuses ${JSON.stringify(res.statuses)}, errors ${res.errors}; load ${run.load1}`,
        )
      }
    const byMode: Record<string, unknown> = {}
    for (const [mode, rs] of runs) {
      const m = {
        cpuUsPerLookup: median(rs.map((x) => x.cpuUsPerLookup)),
        p50: median(rs.map((x) => x.p50 ?? Infinity)),
        p99: median(rs.map((x) => x.p99 ?? Infinity)),
        load1: median(rs.map((x) => x.load1)),
      }
      byMode[mode] = { medians: m, runs: rs }
      log(
        `${rate}/s ${mode}: median of ${rs.length}: ${m.cpuUsPerLookup} µs CPU/lookup, p50 ${m.p50} ms, p99 ${m.p99} ms (load ${m.load1})`,
      )
    }
    results[String(rate)] = byMode
  }
} finally {
  server.kill('SIGTERM')
  await new Promise((resolve) => server.once('exit', resolve))
}
log(
  `written ${await writeResults(`lookup-cpu-${args.profiles}${args.hot > 0 ? `-hot${args.hot}` : ''}`, { settings: args, results })}`,
)
