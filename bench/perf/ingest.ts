/**
 * HTTP ingest benchmark: `npm run bench:ingest [-- --target embedded|kafka|both --seconds 15]`.
 * The server runs in this process (the embedded default, `unifier start`'s: HTTP ingest with the
 * processor resolving what it takes; or `unifier ingest` over Kafka, topics under a unique prefix
 * on KAFKA_BROKERS / SCHEMA_REGISTRY_URL, deleted at the end), with a tokens file as in
 * production. The load comes from autocannon in a child process:
 * - throughput: `events:batch` requests of `--batch` events (distinct eventIds and customers),
 *   `--connections` in a closed loop, after a warm-up; events answered 202 per second, and the
 *   CPU the server process used (its main thread is one core);
 * - latency: single-event `POST /events` at a fixed `--rate` (requests/s; autocannon corrects
 *   for coordinated omission), p50/p90/p99/max.
 * Results: printed and written to bench/results/ingest-<date>.json (git-ignored).
 */
import { spawn } from 'node:child_process'
import { execFileSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { newToken } from '../../src/api/tokens.js'
import { startIngest } from '../../src/cli/commands/ingest.js'
import { startEmbedded } from '../../src/cli/commands/start.js'
import { DEFAULT_START } from '../../src/cli/sample-defaults.js'
import { parseAppConfig } from '../../src/config/app-config.js'
import { packageRoot } from '../../src/topology/package-files.js'
import { benchArgs, choice, integer, string } from '../lib/args.js'
import { startProfile } from '../lib/cpu-profile.js'
import { writeResults } from '../lib/results.js'
import { benchKafka, dropBenchTopology, openBenchTopology } from './topology.js'

const args = benchArgs('bench:ingest', {
  target: choice('the server measured', ['embedded', 'kafka', 'both'], 'both'),
  seconds: integer('seconds of each measured phase', { default: 15, min: 1 }),
  warmup: integer('seconds of warm-up before the throughput phase', { default: 3, min: 0 }),
  batch: integer('events per events:batch request', { default: 100, min: 1 }),
  connections: integer('connections of the throughput phase', { default: 16, min: 1 }),
  rate: integer('requests/s of the latency phase', { default: 2_000, min: 1 }),
  'rate-connections': integer('connections of the latency phase', { default: 64, min: 1 }),
  'cpu-profile': string(
    'write a V8 CPU profile of the throughput phase to FILE-<target>.cpuprofile',
  ),
})

const log = (line: string) => process.stderr.write(`[bench:ingest] ${line}\n`)
const uptime = () => execFileSync('uptime', { encoding: 'utf8' }).trim()

/** One event of a body; `[<id>]` becomes a fresh id per request (autocannon's -I). */
const event = (i: number) =>
  JSON.stringify({
    eventId: `[<id>]-${i}`,
    identifiers: { customer_id: `C[<id>]-${i}`, email: `u${i}-[<id>]@shop-mail.net` },
    attributes: { first_name: `Name${i}`, points: i },
    timestamp: 1_700_000_000_000 + i,
  })

interface Cannon {
  readonly duration: number
  readonly '2xx': number
  readonly non2xx: number
  readonly errors: number
  readonly timeouts: number
  readonly requests: { readonly total: number; readonly average: number }
  readonly latency: Readonly<Record<'p50' | 'p90' | 'p99' | 'max' | 'average', number>>
}

/** autocannon in a child process; its JSON result. */
function cannon(
  url: string,
  token: string,
  body: string,
  extra: readonly string[],
): Promise<Cannon> {
  const child = spawn(
    process.execPath,
    [
      join(packageRoot(), 'node_modules', 'autocannon', 'autocannon.js'),
      '--json',
      '--no-progress',
      '--idReplacement',
      '--method',
      'POST',
      '--headers',
      `authorization=Bearer ${token}`,
      '--headers',
      'content-type=application/json',
      '--body',
      body,
      ...extra,
      url,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`autocannon exited with ${code}`))
      else resolve(JSON.parse(out) as Cannon)
    })
  })
}

interface Target {
  readonly base: string
  stop(): Promise<void>
}

async function measure(name: 'embedded' | 'kafka', target: Target, token: string) {
  const batchBody = `[${Array.from({ length: args.batch }, (_, i) => event(i)).join(',')}]`
  const batchUrl = `${target.base}/v1/tenants/acme/events:batch`
  if (args.warmup > 0) {
    log(`${name}: warm-up ${args.warmup}s`)
    await cannon(batchUrl, token, batchBody, [
      '-c',
      String(args.connections),
      '-d',
      String(args.warmup),
    ])
  }
  log(
    `${name}: throughput, batches of ${args.batch}, ${args.connections} connections, ${args.seconds}s`,
  )
  const profile = args['cpu-profile'] === undefined ? null : await startProfile()
  const cpu = process.cpuUsage()
  const started = performance.now()
  const t = await cannon(batchUrl, token, batchBody, [
    '-c',
    String(args.connections),
    '-d',
    String(args.seconds),
  ])
  const used = process.cpuUsage(cpu)
  await profile?.stop(`${args['cpu-profile']}-${name}.cpuprofile`)
  const cpuSeconds = (used.user + used.system) / 1e6
  const wall = (performance.now() - started) / 1000
  log(`${name}: latency, single events at ${args.rate} requests/s, ${args.seconds}s`)
  const l = await cannon(`${target.base}/v1/tenants/acme/events`, token, event(0), [
    '-c',
    String(args['rate-connections']),
    '-R',
    String(args.rate),
    '-d',
    String(args.seconds),
  ])
  return {
    throughput: {
      eventsPerSecond: Math.round((t['2xx'] * args.batch) / t.duration),
      requestsPerSecond: Math.round(t['2xx'] / t.duration),
      refused: t.non2xx,
      errors: t.errors + t.timeouts,
      latencyMs: { p50: t.latency.p50, p99: t.latency.p99, max: t.latency.max },
      /** CPU of this process (the server; the load generator is a child) per wall second */
      serverCores: Math.round((cpuSeconds / wall) * 100) / 100,
      /**
       * Events per CPU second of the server process: the rate one core would take when this
       * process had it whole (the machine's other load only shares it out).
       */
      eventsPerCpuSecond: Math.round((t['2xx'] * args.batch) / cpuSeconds),
    },
    latency: {
      targetRate: args.rate,
      achievedRate: Math.round(l['2xx'] / l.duration),
      refused: l.non2xx,
      errors: l.errors + l.timeouts,
      ms: {
        p50: l.latency.p50,
        p90: l.latency.p90,
        p99: l.latency.p99,
        max: l.latency.max,
        mean: l.latency.average,
      },
    },
  }
}

const dir = await mkdtemp(join(tmpdir(), 'unifier-bench-ingest-'))
const writer = newToken()
const tokens = join(dir, 'tokens.yaml')
await writeFile(
  tokens,
  `tokens:\n  - name: bench\n    sha256: ${writer.sha256}\n    tenants: [acme]\n    scopes: [events:write]\n    source: web\n`,
)
const logger = pino({ level: 'warn' })
const results: Record<string, unknown> = { uptimeBefore: uptime(), args }
try {
  if (args.target !== 'kafka') {
    const started = await startEmbedded({
      config: DEFAULT_START.config,
      input: null,
      stateDir: join(dir, 'embedded'),
      port: 0,
      tokens,
      out: () => undefined,
      logger,
    })
    try {
      results.embedded = await measure(
        'embedded',
        { base: started.url as string, stop: started.stop },
        writer.token,
      )
    } finally {
      await started.stop()
    }
  }
  if (args.target !== 'embedded') {
    const { brokers, registryUrl } = benchKafka()
    const bench = await openBenchTopology({ label: 'ingest', brokers, registryUrl })
    try {
      const ingest = await startIngest({
        config: parseAppConfig({
          kafka: { brokers },
          registry: { url: registryUrl },
          topics: { prefix: bench.prefix },
          identityConfig: DEFAULT_START.config,
          logLevel: 'warn',
        }),
        host: '127.0.0.1',
        port: 0,
        tokens,
        logger,
      })
      const address = ingest.server.server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      try {
        results.kafka = await measure(
          'kafka',
          { base: `http://127.0.0.1:${port}`, stop: ingest.stop },
          writer.token,
        )
      } finally {
        await ingest.stop()
      }
    } finally {
      await dropBenchTopology({ ...bench, producer: { disconnect: async () => undefined } })
    }
  }
  results.uptimeAfter = uptime()
  console.log(JSON.stringify(results, null, 2))
  console.log(`written ${await writeResults('ingest', results)}`)
} finally {
  await rm(dir, { recursive: true, force: true })
}
