/**
 * Shared by the `unifier ingest` integration tests: a tokens file with one writer per source of
 * the worked example, the worked example's events, and `unifier ingest` as a child process.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { newToken } from '../../src/api/tokens.js'
import { DEFAULT_START } from '../../src/cli/sample-defaults.js'
import { parseEventLine } from '../../src/codecs/event-line.js'
import type { ContactEvent } from '../../src/core/types.js'
import { packageRoot } from '../../src/topology/package-files.js'
import { kafkaBrokers, schemaRegistryUrl } from '../setup/kafka-kit.js'
import { SAMPLE_IDENTITY } from './processor-harness.js'

export const SOURCES = ['web', 'call_center', 'store'] as const
export type Source = (typeof SOURCES)[number]

/** A tokens file with one events:write token per source of tenant acme (also write keys). */
export async function writerTokens(dir: string): Promise<{
  readonly file: string
  readonly token: Readonly<Record<Source, string>>
}> {
  const token = {} as Record<Source, string>
  const entries = SOURCES.map((source) => {
    const t = newToken()
    token[source] = t.token
    return [
      `  - name: ${source}-writer`,
      `    sha256: ${t.sha256}`,
      '    tenants: [acme]',
      '    scopes: [events:write]',
      `    source: ${source}`,
      '    segment: { anonymousId: device_id }',
    ].join('\n')
  })
  const file = join(dir, 'tokens.yaml')
  await writeFile(file, `tokens:\n${entries.join('\n')}\n`)
  return { file, token }
}

/** The worked example (samples/events.ndjson): each line as sent, and as the event it is. */
export async function workedExample(): Promise<
  Array<{ readonly line: Record<string, unknown>; readonly event: ContactEvent }>
> {
  const text = await readFile(DEFAULT_START.input, 'utf8')
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const parsed = parseEventLine(l)
      if (!parsed.ok) throw new Error(parsed.detail)
      return { line: JSON.parse(l) as Record<string, unknown>, event: parsed.event }
    })
}

/** Consecutive items with the same key, as runs. */
export function runsOf<T>(items: readonly T[], key: (item: T) => string): T[][] {
  const runs: T[][] = []
  for (const item of items) {
    const last = runs.at(-1)
    if (last !== undefined && key(last[0] as T) === key(item)) last.push(item)
    else runs.push([item])
  }
  return runs
}

export interface IngestChild {
  readonly child: ChildProcess
  /** Resolves with the base URL once it listens; rejects if it exits first. */
  readonly url: Promise<string>
}

/** `unifier ingest` as a child process, given only flags (as on a clean machine). */
export function spawnIngest(options: {
  readonly prefix: string
  readonly tokens: string
  readonly port: number
  readonly extra?: readonly string[]
}): IngestChild {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(packageRoot(), 'src', 'cli', 'main.ts'),
      'ingest',
      '--brokers',
      kafkaBrokers().join(','),
      '--registry',
      schemaRegistryUrl(),
      '--prefix',
      options.prefix,
      '--identity',
      SAMPLE_IDENTITY,
      '--tokens',
      options.tokens,
      '--port',
      String(options.port),
      ...(options.extra ?? []),
    ],
    {
      cwd: packageRoot(),
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        ...process.env,
        KAFKA_BROKERS: '',
        SCHEMA_REGISTRY_URL: '',
        UNIFIER_LOG_LEVEL: 'info',
      },
    },
  )
  const url = new Promise<string>((resolve, reject) => {
    child.once('exit', (code, signal) =>
      reject(new Error(`unifier ingest exited (${code ?? signal}) before listening`)),
    )
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      let entry: { msg?: string; addresses?: Array<{ port: number }> }
      try {
        entry = JSON.parse(line) as typeof entry
      } catch {
        return
      }
      const address = entry.addresses?.[0]
      if (entry.msg?.startsWith('HTTP ingest listening') && address !== undefined)
        resolve(`http://127.0.0.1:${address.port}`)
    })
  })
  url.catch(() => undefined)
  return { child, url }
}
