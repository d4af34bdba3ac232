/**
 * One run of one client (bench:kafka-clients starts one child per run, so the process's CPU is
 * that client's alone). Prints JSON lines on stdout: `first` when the first batch arrives (the
 * parent reads the broker's CPU then), `done` with the counts and this process's CPU between
 * the first batch (and the consumer's start) and the last commit, or `unavailable` / `failed` with the reason.
 */
import { benchArgs, choice, string } from '../../lib/args.js'
import { CLIENTS, type ClientDriver, type ClientName, type RunSpec } from './pattern.js'

const values = benchArgs('kafka-clients child', {
  client: choice('the client to run', CLIENTS, 'kafkajs'),
  spec: string('the run (JSON RunSpec)', '{}'),
  'info-only': string('print the client info and exit (yes / no)', 'no'),
})

const say = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`)

async function driverOf(client: ClientName): Promise<ClientDriver | Error> {
  try {
    switch (client) {
      case 'kafkajs':
        return (await import('./kafkajs.js')).driver
      case 'platformatic':
        return (await import('./platformatic.js')).driver
      case 'confluent':
        return (await import('./confluent.js')).driver
    }
  } catch (err) {
    return err as Error
  }
}

const driver = await driverOf(values.client)
if (driver instanceof Error) {
  say({ event: 'unavailable', reason: driver.message })
  process.exit(0)
}
say({ event: 'info', info: driver.info })
if (values['info-only'] === 'yes') process.exit(0)

const spec = JSON.parse(values.spec) as RunSpec
let cpuAtStart: NodeJS.CpuUsage | null = null
let cpuAtFirst: NodeJS.CpuUsage | null = null
let timeAtFirst = 0
try {
  await driver.run(spec, {
    onStarting: () => {
      cpuAtStart = process.cpuUsage()
    },
    onFirstBatch: () => {
      cpuAtFirst = process.cpuUsage()
      timeAtFirst = performance.now()
      say({ event: 'first' })
    },
    // Said before the clients disconnect: their goodbyes are not the pattern's work.
    onCommittedAll: (counts) => {
      const seconds = (performance.now() - timeAtFirst) / 1000
      const now = process.cpuUsage()
      const since = (from: NodeJS.CpuUsage | null) =>
        from === null ? null : now.user - from.user + now.system - from.system
      say({
        event: 'done',
        counts,
        seconds,
        // From the first batch; and from the consumer's start (its join and prefetch included).
        cpuMicros: since(cpuAtFirst),
        cpuMicrosFromStart: since(cpuAtStart),
      })
    },
  })
} catch (err) {
  say({ event: 'failed', reason: describe(err) })
  process.exitCode = 1
}
// Some clients keep timers or sockets after their close; the run is over.
setTimeout(() => process.exit(), 2_000).unref()

/** An error with what it aggregates and its causes, one line each (clients nest them). */
function describe(err: unknown, depth = 0): string {
  if (!(err instanceof Error) || depth > 4) return String(err)
  const lines = [`${err.name}: ${err.message}`]
  const inner = (err as { errors?: unknown[] }).errors
  if (Array.isArray(inner)) for (const e of inner) lines.push(`  ${describe(e, depth + 1)}`)
  if (err.cause !== undefined) lines.push(`  cause: ${describe(err.cause, depth + 1)}`)
  return lines.join('\n')
}
