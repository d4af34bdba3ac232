/**
 * The processor under benchmark, either as a deployment runs it (`unifier run`, a child
 * process: only its own work on its event loop, its CPU read from /proc) or inside the
 * benchmark's process (needed for a V8 CPU profile of it, but then the load generator and the
 * latency consumer share its event loop and their delays count as its latency).
 */
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { join } from 'node:path'
import { pino } from 'pino'
import { parseAppConfig } from '../../src/config/app-config.js'
import type { ProcessorHealth } from '../../src/runtime/processor.js'
import { startKafkaApp } from '../../src/cli/kafka-app.js'
import { packageRoot } from '../../src/topology/package-files.js'
import { binNodeFlags } from '../lib/bin-node-flags.js'
import { freePort, processCpuSeconds, sampleProcess } from '../lib/processes.js'

export type ProcessorMode = 'child' | 'in-process'

export interface BenchProcessorOptions {
  readonly mode: ProcessorMode
  readonly brokers: readonly string[]
  readonly registryUrl: string
  readonly prefix: string
  readonly groupId: string
  readonly stateDir: string
  readonly commitIntervalMs: number
  /** Node options for a child processor, before its script (e.g. `--cpu-prof`). */
  readonly nodeArgs?: readonly string[]
}

export interface BenchProcessor {
  /** Prometheus text exposition of the processor's metrics. */
  metricsText(): Promise<string>
  health(): Promise<ProcessorHealth>
  /** CPU seconds used so far: the child's own, or this whole process's when in process. */
  cpuSeconds(): number
  /** Resident memory now (MiB): the child's, or this whole process's when in process. */
  rssMiB(): Promise<number>
  /** A clean stop (open transactions committed), as on SIGTERM. */
  stop(): Promise<void>
}

const identityFile = () => join(packageRoot(), 'samples', 'identity.yaml')
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export async function startBenchProcessor(options: BenchProcessorOptions): Promise<BenchProcessor> {
  return options.mode === 'child' ? startChild(options) : startInProcess(options)
}

/**
 * `instances` processors in one consumer group (each its own state dir), seen as one: metrics
 * concatenated (sums add up), CPU and memory summed. Scale-out on one machine: the processor's
 * JavaScript runs on one core per instance.
 */
export async function startBenchProcessors(
  options: BenchProcessorOptions,
  instances: number,
): Promise<BenchProcessor> {
  if (instances === 1) return startBenchProcessor(options)
  if (options.mode !== 'child') throw new Error('several instances run as child processes only')
  const all = await Promise.all(
    Array.from({ length: instances }, (_, i) =>
      startBenchProcessor({ ...options, stateDir: `${options.stateDir}-${i}` }),
    ),
  )
  return {
    metricsText: async () => (await Promise.all(all.map((p) => p.metricsText()))).join('\n'),
    health: async () => {
      const each = await Promise.all(all.map((p) => p.health()))
      return {
        status: each.every((h) => h.status === 'running') ? 'running' : 'starting',
        generation: Math.max(...each.map((h) => h.generation)),
        partitions: each.flatMap((h) => h.partitions),
      }
    },
    cpuSeconds: () => all.reduce((sum, p) => sum + p.cpuSeconds(), 0),
    rssMiB: async () => (await Promise.all(all.map((p) => p.rssMiB()))).reduce((a, b) => a + b, 0),
    stop: async () => {
      await Promise.all(all.map((p) => p.stop()))
    },
  }
}

async function startInProcess(options: BenchProcessorOptions): Promise<BenchProcessor> {
  const config = parseAppConfig({
    kafka: { brokers: [...options.brokers] },
    registry: { url: options.registryUrl },
    topics: { prefix: options.prefix },
    groupId: options.groupId,
    stateDir: options.stateDir,
    identityConfig: identityFile(),
    commitIntervalMs: options.commitIntervalMs,
    http: { enabled: false },
    logLevel: 'warn',
  })
  const app = await startKafkaApp(config, pino({ level: 'warn' }))
  return {
    metricsText: () => app.metrics.registry.metrics(),
    health: async () => app.processor.health(),
    cpuSeconds: () => {
      const cpu = process.cpuUsage()
      return (cpu.user + cpu.system) / 1e6
    },
    rssMiB: async () => Math.round(process.memoryUsage().rss / 2 ** 20),
    stop: () => app.processor.stop(),
  }
}

/**
 * The Node arguments that start `unifier run` on the bench topology: from the sources through
 * tsx, or from `npm run build`'s output (`built`); with the bin's own Node flags either way.
 */
export function unifierRunArgs(
  options: Omit<BenchProcessorOptions, 'mode'> & { readonly httpPort: number; built?: boolean },
): string[] {
  const entry =
    options.built === true
      ? [join(packageRoot(), 'dist', 'src', 'cli', 'main.js')]
      : ['--import', 'tsx', join(packageRoot(), 'src', 'cli', 'main.ts')]
  return [
    ...binNodeFlags(),
    ...entry,
    'run',
    '--brokers',
    options.brokers.join(','),
    '--registry',
    options.registryUrl,
    '--prefix',
    options.prefix,
    '--group',
    options.groupId,
    '--state-dir',
    options.stateDir,
    '--identity',
    identityFile(),
    '--commit-interval',
    String(options.commitIntervalMs),
    '--http-port',
    String(options.httpPort),
  ]
}

/** A `unifier run` child process. */
export interface UnifierChild {
  readonly pid: number
  /** Its HTTP port (/health, /metrics). */
  readonly port: number
  readonly exited: Promise<number | null>
  /** The exit code once it has exited, undefined while it runs. */
  exitCode(): number | null | undefined
  /** SIGTERM (a clean stop), then waits for the exit. */
  stop(): Promise<number | null>
}

/**
 * Starts `unifier run` as a child process. With `onLogLine`, its stdout (pino's JSON lines) is
 * read and each line that parses is passed on; otherwise it goes to this process's stdout.
 */
export async function spawnUnifierRun(
  options: Omit<BenchProcessorOptions, 'mode'> & {
    readonly built?: boolean
    readonly logLevel?: string
    readonly onLogLine?: (entry: Record<string, unknown>) => void
    /** More environment for the child (e.g. UNIFIER_* settings). */
    readonly env?: Readonly<Record<string, string>>
  },
): Promise<UnifierChild> {
  const port = await freePort()
  const onLine = options.onLogLine
  const args = [...(options.nodeArgs ?? []), ...unifierRunArgs({ ...options, httpPort: port })]
  const child = spawn(process.execPath, args, {
    cwd: packageRoot(),
    env: { ...process.env, UNIFIER_LOG_LEVEL: options.logLevel ?? 'warn', ...options.env },
    stdio: ['ignore', onLine === undefined ? 'inherit' : 'pipe', 'inherit'],
  })
  if (onLine !== undefined && child.stdout !== null) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      let entry: unknown
      try {
        entry = JSON.parse(line)
      } catch {
        return
      }
      if (typeof entry === 'object' && entry !== null) onLine(entry as Record<string, unknown>)
    })
  }
  let code: number | null | undefined
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (exit) => {
      code = exit
      resolve(exit)
    }),
  )
  return {
    pid: child.pid as number,
    port,
    exited,
    exitCode: () => code,
    stop: async () => {
      if (code === undefined) child.kill('SIGTERM')
      return exited
    },
  }
}

async function startChild(options: BenchProcessorOptions): Promise<BenchProcessor> {
  const child = await spawnUnifierRun(options)
  const url = `http://127.0.0.1:${child.port}`
  const get = async (path: string): Promise<Response> => {
    if (child.exitCode() !== undefined)
      throw new Error(`the processor exited (code ${child.exitCode()})`)
    return fetch(`${url}${path}`)
  }
  // Up once its HTTP server answers (it starts after the group is joined).
  for (;;) {
    if (
      await get('/health').then(
        () => true,
        () => false,
      )
    )
      break
    if (child.exitCode() !== undefined)
      throw new Error(`the processor exited (code ${child.exitCode()})`)
    await sleep(50)
  }
  return {
    metricsText: async () => (await get('/metrics')).text(),
    health: async () => (await (await get('/health')).json()) as ProcessorHealth,
    cpuSeconds: () => processCpuSeconds(child.pid) ?? NaN,
    rssMiB: async () => Math.round(sampleProcess(child.pid).rssKiB / 1024),
    stop: async () => {
      await child.stop()
    },
  }
}
