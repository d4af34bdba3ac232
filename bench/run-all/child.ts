import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'

export interface ChildRun {
  readonly name: string
  readonly command: string
  readonly exitCode: number
  readonly seconds: number
  /** Peak resident memory of the part (KiB), from GNU time (or the child's own report). */
  readonly maxRssKiB: number | null
  /** Result files the part said it wrote ("written <path>"), parsed. */
  readonly results: readonly unknown[]
  readonly output: string
}

const GNU_TIME = '/usr/bin/time'

/**
 * Runs one benchmark part in its own process, so its peak memory is its own: measured by
 * GNU time when the machine has it (the max RSS of the whole process tree it waited for).
 */
export async function runPart(
  name: string,
  script: string,
  args: readonly string[],
): Promise<ChildRun> {
  const node = [process.execPath, '--import', 'tsx', script, ...args]
  const timed = existsSync(GNU_TIME)
  const argv = timed ? [GNU_TIME, '-v', ...node] : node
  const started = performance.now()
  const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] })
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
    results.push(JSON.parse(await readFile(path, 'utf8')))
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

/** A broker to run the end-to-end benchmark against: KAFKA_BROKERS, or the local stack up. */
export async function brokerAvailable(): Promise<boolean> {
  if ((process.env.KAFKA_BROKERS ?? '') !== '') return true
  const status = await runPart('stack status', 'scripts/stack/main.ts', ['status'])
  return status.exitCode === 0
}
