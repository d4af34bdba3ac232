/**
 * Processes a benchmark starts or watches: a part run in its own process with its peak memory
 * (`npm run bench`), the CPU and memory of a process from /proc (the processor, the local
 * stack's broker and registry), and a free port.
 */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { resolve as resolvePath } from 'node:path'
import { brokersOf, readStackConfig } from '../../scripts/stack/config.js'
import { kafkaProcess } from '../../scripts/stack/kafka.js'
import { runningPid } from '../../scripts/stack/processes.js'
import { registryProcess } from '../../scripts/stack/registry.js'

/** Linux reports utime and stime in clock ticks; USER_HZ is 100 on every Linux ABI Node runs on. */
const TICKS_PER_SECOND = 100

/** CPU seconds (user + system, every thread) a process has used, from /proc; undefined if gone. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
  } catch {
    return undefined
  }
}

/** Peak and current RSS (KiB) and CPU seconds of a running process; throws once it is gone. */
export function sampleProcess(pid: number): { hwmKiB: number; rssKiB: number; cpuSeconds: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1])
  const cpuSeconds = processCpuSeconds(pid)
  if (cpuSeconds === undefined) throw new Error(`process ${pid} is gone`)
  return { hwmKiB: field('VmHWM'), rssKiB: field('VmRSS'), cpuSeconds }
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

export interface StackCpu {
  readonly broker: number
  readonly registry: number
}

/**
 * CPU seconds used so far by the local stack's broker and registry (`npm run stack:up`): on a
 * 2-core machine they share the cores with the processor, so an events/s target is a budget of
 * CPU per event for all of them together. Undefined when `brokers` is not the local stack.
 */
export function stackCpuSeconds(brokers: readonly string[]): StackCpu | undefined {
  const config = readStackConfig()
  if (brokers.length !== 1 || brokers[0] !== brokersOf(config)) return undefined
  const brokerPid = runningPid(kafkaProcess(config))
  const registryPid = runningPid(registryProcess(config))
  if (brokerPid === undefined || registryPid === undefined) return undefined
  const broker = processCpuSeconds(brokerPid)
  const registry = processCpuSeconds(registryPid)
  if (broker === undefined || registry === undefined) return undefined
  return { broker, registry }
}

/** CPU seconds the stack used since `before` (undefined when either reading is). */
export function stackCpuSince(
  brokers: readonly string[],
  before: StackCpu | undefined,
): StackCpu | undefined {
  const now = stackCpuSeconds(brokers)
  if (before === undefined || now === undefined) return undefined
  const round = (x: number) => Math.round(x * 100) / 100
  return {
    broker: round(now.broker - before.broker),
    registry: round(now.registry - before.registry),
  }
}

export interface ChildRun {
  readonly name: string
  readonly command: string
  readonly exitCode: number
  readonly seconds: number
  /** Peak resident memory of the part (KiB), from GNU time. */
  readonly maxRssKiB: number | null
  /** Result files the part said it wrote ("written <path>"), parsed. */
  readonly results: readonly unknown[]
  readonly output: string
}

const GNU_TIME = '/usr/bin/time'

/**
 * Runs one TypeScript script in its own process, so its peak memory is its own: measured by
 * GNU time when the machine has it (the max RSS of the whole process tree it waited for).
 */
export async function runPart(
  name: string,
  script: string,
  args: readonly string[],
  cwd?: string,
): Promise<ChildRun> {
  const node = [process.execPath, '--import', 'tsx', script, ...args]
  const timed = existsSync(GNU_TIME)
  const argv = timed ? [GNU_TIME, '-v', ...node] : node
  const started = performance.now()
  const child = spawn(argv[0] as string, argv.slice(1), {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(cwd === undefined ? {} : { cwd }),
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString()
    process.stderr.write(chunk)
  })
  child.stderr.on('data', (chunk: Buffer) => {
    const text = chunk.toString()
    output += text
    if (!text.includes('Maximum resident') && !text.includes('Command being timed')) {
      process.stderr.write(text.replace(/^\t.*\n/gm, ''))
    }
  })
  const exitCode = await new Promise<number>((resolve) =>
    child.on('close', (code) => resolve(code ?? 1)),
  )
  const seconds = (performance.now() - started) / 1000
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(output)
  const results: unknown[] = []
  for (const match of output.matchAll(/written (?:to )?(\S+\.json)\s*$/gm)) {
    const path = match[1] as string
    results.push(
      JSON.parse(await readFile(cwd === undefined ? path : resolvePath(cwd, path), 'utf8')),
    )
  }
  return {
    name,
    command: ['tsx', script, ...args].join(' '),
    exitCode,
    seconds,
    maxRssKiB: rss === null ? null : Number(rss[1]),
    results,
    output: output.slice(-4000),
  }
}
