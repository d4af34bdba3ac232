/**
 * `npm run bench:baseline [-- --events 1000000 | --data DIR] [--json FILE]`: the warehouse
 * baseline. Stitches events.ndjson + increment.ndjson in DuckDB (what a warehouse recomputes
 * when 1% new events arrive) and scores its partition against the truth, with and without
 * the deny-list (docs/accuracy.md).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { DuckDBInstance } from '@duckdb/node-api'
import { LINES_PER_PERSON } from '../accuracy/sizing.js'
import { scorePartition } from '../accuracy/pairwise.js'
import { formatScore } from '../accuracy/report.js'
import { loadTruth } from '../accuracy/truth-file.js'
import { FILES, generate } from '../gen/generate.js'
import { emitReport, machine } from '../results.js'
import { stitch } from './stitch.js'

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '42' },
    data: { type: 'string' },
    threads: { type: 'string', default: '2' },
    json: { type: 'string' },
  },
})

const work = await mkdtemp(join(tmpdir(), 'unifier-baseline-'))
try {
  let dataDir = args.data
  if (dataDir === undefined) {
    dataDir = join(work, 'data')
    const persons = Math.ceil(Number(args.events) / LINES_PER_PERSON)
    await generate({ persons, seed: Number(args.seed), outDir: dataDir })
  }
  const files = [join(dataDir, FILES.events), join(dataDir, FILES.increment)]
  const truth = await loadTruth(join(dataDir, FILES.truth))
  const runs: Record<string, object> = {}
  for (const denyList of [true, false]) {
    const name = denyList ? 'deny-list' : 'no-deny-list'
    const { timings, profiles } = await stitch(files, {
      denyList,
      threads: Number(args.threads),
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
    threads: Number(args.threads),
    runs,
    maxRssKiB: process.resourceUsage().maxRSS,
  }
  await emitReport(report, args.json)
} finally {
  await rm(work, { recursive: true, force: true })
}
