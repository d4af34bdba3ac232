/**
 * The import process of `npm run bench:csv` (bench/perf/csv.ts starts it with its options in the
 * CSV_BENCH environment variable): runs one import as `unifier import csv --embedded` does (or
 * into a sink that drops the events) and prints its summary, peak RSS and CPU time as JSON.
 */
import { DEFAULT_START } from '../../src/cli/sample-defaults.js'
import { loadIdentityConfig } from '../../src/config/identity-config.js'
import {
  runCsvImport,
  type CsvImportSummary,
  type CsvSink,
} from '../../src/connectors/csv-import.js'
import { EMPTY_MAPPING } from '../../src/connectors/csv-mapping.js'
import { embeddedCsvSink } from '../../src/connectors/csv-sinks.js'

export interface ChildOptions {
  readonly file: string
  readonly format: 'wide' | 'long'
  /** The embedded log's state directory; null: events are dropped. */
  readonly stateDir: string | null
  readonly errorsPath: string
  readonly batchEvents: number
  readonly chunkBytes: number
}

export interface ChildResult {
  readonly summary: CsvImportSummary
  readonly rssBefore: number
  readonly peakRss: number
  readonly maxRss: number
  readonly cpuSeconds: number
}

const nullSink: CsvSink = {
  completed: async () => false,
  write: async () => [],
  finish: async () => [],
  close: async () => undefined,
}

const options = JSON.parse(process.env.CSV_BENCH ?? 'null') as ChildOptions | null
if (options === null) throw new Error('run by bench/perf/csv.ts (npm run bench:csv)')
const identity = await loadIdentityConfig(DEFAULT_START.config)
const rssBefore = process.memoryUsage.rss()
let peakRss = rssBefore
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss())
}, 20)
const cpuBefore = process.cpuUsage()
const sink = options.stateDir === null ? nullSink : await embeddedCsvSink(options.stateDir)
let summary: CsvImportSummary
try {
  summary = await runCsvImport({
    input: options.file,
    tenant: 'acme',
    source: 'crm',
    format: options.format,
    mapping: EMPTY_MAPPING,
    identity,
    timestamp: 1_700_000_000_000,
    errorsPath: options.errorsPath,
    sink,
    batchEvents: options.batchEvents,
    chunkBytes: options.chunkBytes,
  })
} finally {
  await sink.close()
  clearInterval(sampler)
}
const cpu = process.cpuUsage(cpuBefore)
const result: ChildResult = {
  summary,
  rssBefore,
  peakRss: Math.max(peakRss, process.memoryUsage.rss()),
  maxRss: process.resourceUsage().maxRSS * 1024,
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
}
process.stdout.write(JSON.stringify(result))
