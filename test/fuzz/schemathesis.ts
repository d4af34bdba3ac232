/**
 * Runs schemathesis (an outside API fuzzer from PyPI, test/fuzz/requirements.txt) and the live
 * `unifier start` it fuzzes, for test/fuzz/api-schemathesis.test.ts.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { packageRoot } from '../../src/topology/package-files.js'

export const PYTHON = process.env.PYTHON ?? 'python3'
const INSTALL = `${PYTHON} -m pip install -r test/fuzz/requirements.txt`

/** Throws a message saying how to install it when `module` is not importable. */
export function requirePythonModule(module: string, what: string): void {
  const r = spawnSync(PYTHON, ['-c', `import ${module}`], { encoding: 'utf8' })
  if (r.error !== undefined || r.status !== 0)
    throw new Error(
      `${what} is not installed for ${PYTHON}: run \`${INSTALL}\` (.ci/run does). ${
        r.error?.message ?? r.stderr.trim().split('\n').at(-1) ?? ''
      }`,
    )
}

export interface LiveServer {
  readonly url: string
  /** Everything it printed (stdout and stderr), for a failure message. */
  output(): string
  stop(): Promise<void>
}

/** `unifier start --port 0 ARGS` as a user runs it; resolves once it prints its URL. */
export async function startUnifier(args: readonly string[]): Promise<LiveServer> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'start', '--port', '0', ...args],
    { cwd: packageRoot(), stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let output = ''
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL within 90 s:\n${output}`)), 90_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8')
      const m = /Profile API on (http:\/\/\S+)/.exec(output)
      if (m !== null) {
        clearTimeout(timer)
        resolve(m[1] as string)
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`unifier start exited (${code}) before serving:\n${output}`))
    })
  })
  return {
    url,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await exited
    },
  }
}

/** Values the fuzzer draws from some of the time (a schemathesis dictionary), so it reaches data. */
export type Dictionaries = Readonly<Record<string, readonly string[]>>
/** A parameter location and name (`path.tenant`, `body.identifiers[*].type`) → a dictionary. */
export type Bindings = Readonly<Record<string, string>>

export interface FuzzRun {
  readonly label: string
  readonly url: string
  readonly dir: string
  readonly checks: readonly string[]
  readonly maxExamples: number
  readonly seed: number
  readonly dictionaries: Dictionaries
  readonly bindings: Bindings
  /** How often a bound parameter takes a dictionary value rather than a generated one. */
  readonly probability?: number
  readonly headers?: readonly string[]
  readonly extraArgs?: readonly string[]
  /** Kills schemathesis past this (it stops by itself well before with `maxExamples`). */
  readonly timeoutMs: number
}

export interface FuzzResult {
  readonly exitCode: number | null
  /** Its report, from the failures on (or the last lines when there are none). */
  readonly report: string
  /** Each operation's response statuses, from the NDJSON report. */
  readonly statuses: ReadonlyMap<string, ReadonlySet<number>>
  /** Test cases it generated (its summary line). */
  readonly generated: number
}

const toml = (s: string) => JSON.stringify(s)

function configText(run: FuzzRun): string {
  const lines: string[] = []
  for (const [name, values] of Object.entries(run.dictionaries))
    lines.push(`[dictionaries.${name}]`, `values = [${values.map(toml).join(', ')}]`, '')
  lines.push('[parameters]')
  for (const [where, dictionary] of Object.entries(run.bindings))
    lines.push(
      `${toml(where)} = { dictionary = ${toml(dictionary)}, probability = ${run.probability ?? 0.6} }`,
    )
  return lines.join('\n') + '\n'
}

/** Runs schemathesis over `${url}/openapi.json` with the given checks. */
export async function runSchemathesis(run: FuzzRun): Promise<FuzzResult> {
  const config = join(run.dir, `${run.label}.toml`)
  const reports = join(run.dir, `${run.label}-reports`)
  await writeFile(config, configText(run))
  const args = [
    '-m',
    'schemathesis.cli',
    '--config-file',
    config,
    'run',
    `${run.url}/openapi.json`,
    '--checks',
    run.checks.join(','),
    '--max-examples',
    String(run.maxExamples),
    '--seed',
    String(run.seed),
    // one worker: hypothesis's lambda descriptions parse source with `ast`, which CPython 3.11
    // does not do safely from two threads at once ("AST constructor recursion depth mismatch")
    '--workers',
    '1',
    '--no-color',
    '--request-timeout',
    '10',
    '--report',
    'ndjson',
    '--report-dir',
    reports,
    ...(run.headers ?? []).flatMap((h) => ['--header', h]),
    ...(run.extraArgs ?? []),
  ]
  const child = spawn(PYTHON, args, { cwd: run.dir, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')))
  child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')))
  const timer = setTimeout(() => child.kill('SIGKILL'), run.timeoutMs)
  const exitCode = await new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  )
  clearTimeout(timer)
  const statuses = await statusesOf(reports)
  const generated = Number(/(\d+) generated/.exec(out)?.[1] ?? 0)
  const from = out.search(/^=+ (FAILURES|ERRORS) =+$/m)
  const report = from >= 0 ? out.slice(from) : out.split('\n').slice(-40).join('\n')
  return { exitCode, report: report.slice(0, 20_000), statuses, generated }
}

/** The response statuses the NDJSON report recorded, per operation label. */
async function statusesOf(dir: string): Promise<Map<string, Set<number>>> {
  const out = new Map<string, Set<number>>()
  let files: string[]
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith('.ndjson'))
  } catch {
    return out
  }
  for (const file of files)
    for (const line of (await readFile(join(dir, file), 'utf8')).split('\n')) {
      if (!line.startsWith('{"ScenarioFinished"')) continue
      const event = JSON.parse(line) as {
        ScenarioFinished: {
          recorder: {
            label: string
            interactions?: Record<string, { response?: { status_code: number } | null }> | null
          }
        }
      }
      const { label, interactions } = event.ScenarioFinished.recorder
      for (const i of Object.values(interactions ?? {})) {
        if (i.response === null || i.response === undefined) continue
        let set = out.get(label)
        if (set === undefined) out.set(label, (set = new Set()))
        set.add(i.response.status_code)
      }
    }
  return out
}

/** Every status seen, over all operations. */
export function allStatuses(result: FuzzResult): Set<number> {
  const all = new Set<number>()
  for (const s of result.statuses.values()) for (const status of s) all.add(status)
  return all
}
