/**
 * `npm run bench [-- --events 1000000 --core-identifiers 10000000]`: every benchmark, each in
 * its own process with its peak memory recorded, one results file
 * (bench/results/report-<ISO date>.json) and the generated section of docs/benchmarks.md.
 *
 * Parts: stores (store.ts), core (core.ts), end-to-end (e2e.ts, only when a broker is up:
 * KAFKA_BROKERS or `npm run stack:up`), `unifier resolve` (resolve.ts), the generator
 * (bench/gen), accuracy and the DuckDB baseline over one generated dataset (the increment
 * comparison needs both on the same events). Core, e2e and resolve run both workloads
 * (bench/lib/workload.ts). At the end, the targets of issue 14 next to the figures (targets.ts),
 * with the ratio to a baseline: `--baseline FILE` (an earlier report-*.json) or
 * `--baseline-ref REV` (that revision's src/ with this bench/, measured in the same run, right
 * after this tree's parts: core, e2e and resolve only).
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { format } from 'prettier'
import { LINES_PER_PERSON } from '../gen/generate.js'
import { benchArgs, integer, list, string } from '../lib/args.js'
import { runPart, type ChildRun } from '../lib/processes.js'
import { machine, writeResults } from '../lib/results.js'
import { WORKLOADS } from '../lib/workload.js'
import { figuresOf, targetsTable, type Figures } from './targets.js'
import {
  replaceSection,
  reportSection,
  type AccuracyReport,
  type BaselineReport,
  type Report,
} from './report-markdown.js'

const PARTS = ['stores', 'core', 'e2e', 'resolve', 'generate', 'accuracy', 'baseline'] as const
const args = benchArgs('bench', {
  events: integer('lines of the generated accuracy dataset', { default: 200_000, min: 1 }),
  seed: integer('seed of the generated dataset', { default: 42 }),
  'core-identifiers': integer('identifiers of the core part', { default: 100_000, min: 1 }),
  'resolve-events': integer('events per workload of the unifier resolve part', {
    default: 250_000,
    min: 1,
  }),
  baseline: string('an earlier report-*.json: the ratio of each target figure to its figures'),
  'baseline-ref': string(
    'a git revision (e.g. main): its src/ measured with this bench/ in the same run (core, e2e, resolve), for the ratios',
  ),
  skip: list('parts not to run', [], PARTS),
  doc: string('the markdown file whose report section is regenerated', 'docs/benchmarks.md'),
  from: string('re-render the doc section from this report file; run nothing'),
})
if (args.from !== undefined) {
  const report = JSON.parse(await readFile(args.from, 'utf8')) as Report
  // The targets table as the current targets.ts renders it, from the figures kept.
  const rendered =
    report.figures === undefined
      ? report
      : { ...report, targets: targetsTable(report.figures, WORKLOADS, report.previous) }
  await updateDoc(args.doc, rendered)
  process.exit(0)
}

/** A broker to run the end-to-end benchmark against: KAFKA_BROKERS, or the local stack up. */
async function brokerAvailable(): Promise<boolean> {
  if ((process.env.KAFKA_BROKERS ?? '') !== '') return true
  const status = await runPart('stack status', 'scripts/stack/main.ts', ['status'])
  return status.exitCode === 0
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

const skip = new Set<string>(args.skip)
const parts: ChildRun[] = []
const work = await mkdtemp(join(tmpdir(), 'unifier-bench-'))

async function part(
  name: string,
  script: string,
  partArgs: string[],
  into: ChildRun[] = parts,
  cwd?: string,
): Promise<ChildRun | null> {
  if (skip.has(name)) return null
  console.error(
    `\n== ${name}${cwd === undefined ? '' : ` (in ${cwd})`}: tsx ${script} ${partArgs.join(' ')}`,
  )
  const run = await runPart(name, script, partArgs, cwd)
  if (run.exitCode !== 0) console.error(`${name} failed (exit ${run.exitCode})`)
  into.push(run)
  return run
}

/**
 * The parts the targets are read from: core, e2e (when a broker is up) and resolve; with a
 * baseline tree, each part runs there right after it ran here (alternated, so both see the
 * same load).
 */
async function targetParts(baselineDir?: string): Promise<ChildRun[]> {
  const baselineParts: ChildRun[] = []
  const both = async (name: string, script: string, partArgs: string[]) => {
    await part(name, script, partArgs)
    if (baselineDir !== undefined) await part(name, script, partArgs, baselineParts, baselineDir)
  }
  await both('core', 'bench/perf/core.ts', ['--identifiers', String(args['core-identifiers'])])
  if (!skip.has('e2e')) {
    if (!(await brokerAvailable())) console.error('\n== e2e: no broker up, skipped')
    else await both('e2e', 'bench/perf/e2e.ts', [])
  }
  await both('resolve', 'bench/perf/resolve.ts', ['--events', String(args['resolve-events'])])
  return baselineParts
}

/**
 * A copy of `rev`'s tree (git archive: the repository is not touched) with this tree's bench/
 * and test/support over it, and this tree's node_modules linked in.
 */
async function baselineTree(rev: string): Promise<string> {
  const dir = join(work, 'baseline-tree')
  await mkdir(dir, { recursive: true })
  execFileSync('sh', ['-c', 'git archive --format=tar "$1" | tar -x -C "$2"', 'sh', rev, dir])
  await rm(join(dir, 'bench'), { recursive: true, force: true })
  await cp('bench', join(dir, 'bench'), {
    recursive: true,
    filter: (src) =>
      !src.includes(join('bench', 'results')) && !src.includes(join('bench', 'data')),
  })
  await cp(join('test', 'support'), join(dir, 'test', 'support'), { recursive: true })
  await symlink(join(process.cwd(), 'node_modules'), join(dir, 'node_modules'))
  return dir
}

async function readJson<T>(path: string): Promise<T | null> {
  return existsSync(path) ? (JSON.parse(await readFile(path, 'utf8')) as T) : null
}

try {
  await part('stores', 'bench/perf/store.ts', [])
  let previous: { label: string; figures: Figures } | undefined
  const rev = args['baseline-ref']
  const baselineParts = await targetParts(rev === undefined ? undefined : await baselineTree(rev))
  if (rev !== undefined) {
    const sha = execFileSync('git', ['rev-parse', '--short', rev]).toString().trim()
    previous = { label: `${rev} (${sha}), same run`, figures: figuresOf(baselineParts, null) }
  } else if (args.baseline !== undefined) {
    const earlier = JSON.parse(await readFile(args.baseline, 'utf8')) as Partial<Report>
    previous = { label: `${args.baseline}`, figures: earlier.figures ?? {} }
  }

  const data = join(work, 'data')
  const persons = String(Math.ceil(args.events / LINES_PER_PERSON))
  await part('generate', 'bench/gen/main.ts', [
    '--persons',
    persons,
    '--seed',
    String(args.seed),
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
  const figures = figuresOf(
    parts,
    increment !== undefined && recompute !== undefined ? recompute / increment : null,
  )
  const targetLines = targetsTable(figures, WORKLOADS, previous)
  console.error(`\ntargets (issue 14):\n${targetLines.join('\n')}`)
  const report: Report = {
    figures,
    targets: targetLines,
    ...(previous === undefined ? {} : { previous }),
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
  await updateDoc(args.doc, report)
  if (parts.some((run) => run.exitCode !== 0)) process.exitCode = 1
} finally {
  await rm(work, { recursive: true, force: true })
}
