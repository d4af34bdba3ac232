/**
 * `npm run bench [-- --events 1000000 --core-identifiers 10000000]`: every benchmark, each in
 * its own process with its peak memory recorded, one results file
 * (bench/results/report-<ISO date>.json) and the generated section of docs/benchmarks.md.
 *
 * Parts: stores (bench/store.ts), core (bench/core.ts), end-to-end (bench/e2e.ts, only when a
 * broker is up: KAFKA_BROKERS or `npm run stack:up`), accuracy and the DuckDB baseline over one
 * generated dataset (the increment comparison needs both on the same events).
 */
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { format } from 'prettier'
import { LINES_PER_PERSON } from './accuracy/sizing.js'
import { machine, writeResults } from './results.js'
import { brokerAvailable, runPart, type ChildRun } from './run-all/child.js'
import {
  replaceSection,
  reportSection,
  type AccuracyReport,
  type BaselineReport,
  type Report,
} from './run-all/markdown.js'

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    seed: { type: 'string', default: '42' },
    'core-identifiers': { type: 'string', default: '100000' },
    skip: { type: 'string', default: '' },
    doc: { type: 'string', default: 'docs/benchmarks.md' },
    /** Re-renders the doc section from an earlier report file instead of running anything. */
    from: { type: 'string' },
  },
})
if (args.from !== undefined) {
  const report = JSON.parse(await readFile(args.from, 'utf8')) as Report
  await updateDoc(args.doc as string, report)
  process.exit(0)
}

async function updateDoc(doc: string, report: Report): Promise<void> {
  const markdown = existsSync(doc) ? await readFile(doc, 'utf8') : '# Benchmarks\n'
  // Formatted like every other doc, so `npm run lint` (prettier --check) stays green.
  const updated = await format(replaceSection(markdown, reportSection(report)), {
    parser: 'markdown',
    printWidth: 100,
    proseWrap: 'preserve',
  })
  await writeFile(doc, updated)
  console.error(`updated ${doc}`)
}

const skip = new Set((args.skip as string).split(',').filter((part) => part !== ''))
const parts: ChildRun[] = []
const work = await mkdtemp(join(tmpdir(), 'unifier-bench-'))

async function part(name: string, script: string, partArgs: string[]): Promise<ChildRun | null> {
  if (skip.has(name)) return null
  console.error(`\n== ${name}: tsx ${script} ${partArgs.join(' ')}`)
  const run = await runPart(name, script, partArgs)
  if (run.exitCode !== 0) console.error(`${name} failed (exit ${run.exitCode})`)
  parts.push(run)
  return run
}

async function readJson<T>(path: string): Promise<T | null> {
  return existsSync(path) ? (JSON.parse(await readFile(path, 'utf8')) as T) : null
}

try {
  await part('stores', 'bench/store.ts', [])
  await part('core', 'bench/core.ts', ['--identifiers', args['core-identifiers'] as string])
  if (!skip.has('e2e')) {
    if (!existsSync('bench/e2e.ts')) console.error('\n== e2e: bench/e2e.ts not present, skipped')
    else if (!(await brokerAvailable())) console.error('\n== e2e: no broker up, skipped')
    else await part('e2e', 'bench/e2e.ts', [])
  }

  const data = join(work, 'data')
  const persons = String(Math.ceil(Number(args.events) / LINES_PER_PERSON))
  await part('generate', 'bench/gen/main.ts', [
    '--persons',
    persons,
    '--seed',
    args.seed as string,
    '--out',
    data,
  ])
  const accuracyFile = join(work, 'accuracy.json')
  const baselineFile = join(work, 'baseline.json')
  await part('accuracy', 'bench/accuracy/main.ts', ['--data', data, '--json', accuracyFile])
  await part('baseline', 'bench/baseline/main.ts', ['--data', data, '--json', baselineFile])
  const accuracy = await readJson<AccuracyReport>(accuracyFile)
  const baseline = await readJson<BaselineReport>(baselineFile)

  const increment = accuracy?.variants.default?.increment.elapsedMs
  const recompute = baseline?.runs['deny-list']?.timings.totalMs
  // Installed versions, not package.json ranges: what was actually measured.
  const installed = async (name: string) =>
    (
      (await readJson<{ version: string }>(join('node_modules', name, 'package.json'))) ?? {
        version: '?',
      }
    ).version
  const report: Report = {
    measuredAt: new Date().toISOString(),
    machine: machine(),
    versions: {
      node: process.version,
      'rocksdb-native': await installed('rocksdb-native'),
      '@duckdb/node-api': await installed('@duckdb/node-api'),
      kafkajs: await installed('kafkajs'),
    },
    parts: parts.map(({ output: _output, ...run }) => ({ ...run, output: '' })),
    accuracy,
    baseline,
    incrementSpeedup:
      increment !== undefined && recompute !== undefined ? recompute / increment : null,
  }
  const file = await writeResults('report', report)
  console.error(`\nwritten ${file}`)
  await updateDoc(args.doc as string, report)
  if (parts.some((run) => run.exitCode !== 0)) process.exitCode = 1
} finally {
  await rm(work, { recursive: true, force: true })
}
