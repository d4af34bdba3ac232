/**
 * `npm run bench:baseline [-- --events 1000000 | --data DIR] [--json FILE]`: the warehouse
 * baseline. Stitches events.ndjson + increment.ndjson in DuckDB (what a warehouse recomputes
 * when 1% new events arrive) and scores its partition against the truth, with and without
 * the deny-list (docs/accuracy.md).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { scorePartition } from '../accuracy/pairwise.js'
import { formatScore } from '../accuracy/report.js'
import { loadTruth } from '../accuracy/truth-file.js'
import { FILES, generate, LINES_PER_PERSON } from '../gen/generate.js'
import { benchArgs, integer, string } from '../lib/args.js'
import { emitReport, machine } from '../lib/results.js'
import { stitch } from './stitch.js'

const args = benchArgs('bench:baseline', {
  events: integer('lines to generate (without --data)', { default: 100_000, min: 1 }),
  seed: integer('seed of the generated population', { default: 42 }),
  data: string('a directory written by `npm run gen` (instead of generating)'),
  threads: integer('DuckDB threads', { default: 2, min: 1 }),
  json: string('write the report to this file instead of printing it'),
})

const work = await mkdtemp(join(tmpdir(), 'unifier-baseline-'))
try {
  let dataDir = args.data
  if (dataDir === undefined) {
    dataDir = join(work, 'data')
    const persons = Math.ceil(args.events / LINES_PER_PERSON)
    await generate({ persons, seed: args.seed, outDir: dataDir })
  }
  const files = [join(dataDir, FILES.events), join(dataDir, FILES.increment)]
  const truth = await loadTruth(join(dataDir, FILES.truth))
  const runs: Record<string, object> = {}
  for (const denyList of [true, false]) {
    const name = denyList ? 'deny-list' : 'no-deny-list'
    const { timings, profiles } = await stitch(files, {
      denyList,
      threads: args.threads,
    })
    const score = scorePartition(truth, profiles)
    const evidence = scorePartition(truth.evidence, profiles)
    runs[name] = { timings, score, evidence }
    const seconds = (timings.totalMs / 1000).toFixed(2)
    console.error(
      `baseline ${name}: full recompute ${seconds} s (CPU ${(timings.cpuMs / 1000).toFixed(2)} s), ${timings.iterations} rounds`,
    )
    console.error(formatScore(`  vs persons`, score))
    console.error(formatScore(`  vs evidence fragments`, evidence))
  }
  const duckdb = await DuckDBInstance.create(':memory:')
  const connection = await duckdb.connect()
  const version = String((await connection.runAndReadAll('SELECT version()')).getRows()[0]?.[0])
  connection.closeSync()
  duckdb.closeSync()
  const report = {
    measuredAt: new Date().toISOString(),
    machine: machine(),
    data: JSON.parse(await readFile(join(dataDir, FILES.manifest), 'utf8')) as object,
    duckdb: version,
    threads: args.threads,
    runs,
    maxRssKiB: process.resourceUsage().maxRSS,
  }
  await emitReport(report, args.json)
} finally {
  await rm(work, { recursive: true, force: true })
}
