/**
 * CSV import benchmark: `npm run bench:csv [-- --rows 1000000 --format wide]`. Generates a CSV of
 * `--rows` rows (or reads `--file`), imports it into a fresh embedded log (`unifier import csv
 * --embedded`) in a child process of its own (bench/perf/csv-child.ts, so the generator's memory
 * is not counted) and reports rows/s, MiB/s and that process's peak RSS (the kernel's high-water
 * mark, and samples every 20 ms during the import). `--sink null` drops the events instead of
 * writing them: the import's own cost without the log. The issue's figure, on a 1 GB file:
 * `npm run bench:csv -- --rows 14500000` (wide rows average ~74 bytes; the generated size is
 * printed). Results: printed and written to bench/results/csv-<rows>-<date>.json.
 */
import { spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { once } from 'node:events'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ChildOptions, ChildResult } from './csv-child.js'
import { benchArgs, choice, flag, integer, string } from '../lib/args.js'
import { writeResults } from '../lib/results.js'

const args = benchArgs('bench:csv', {
  rows: integer('rows to generate', { default: 200_000, min: 1 }),
  format: choice('CSV format', ['wide', 'long'], 'wide'),
  file: string('import this CSV instead of generating one (with --format; tenant acme)'),
  'batch-events': integer('events per write to the log', { default: 1_000, min: 1 }),
  'chunk-kib': integer('KiB read from the file at a time', { default: 64, min: 1 }),
  sink: choice(
    'where the events go: the embedded log, or dropped (the import alone)',
    ['embedded', 'null'],
    'embedded',
  ),
  keep: flag('keep the generated file and the embedded log (their directory is printed)'),
})

const MiB = 1024 * 1024

/** Deterministic rows: customers with an email, a phone, a name and points; 1 in 1,000 bad. */
async function generate(path: string, rows: number, format: 'wide' | 'long'): Promise<void> {
  const out = createWriteStream(path)
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain')
  }
  let buffer = ''
  const flush = async (force = false) => {
    if (buffer.length > 64 * 1024 || force) {
      await write(buffer)
      buffer = ''
    }
  }
  if (format === 'wide') {
    buffer += 'customer_id,email,phone,first_name,points,timestamp\n'
    for (let i = 0; i < rows; i++) {
      const points = i % 1000 === 999 ? 'n/a' : String(i % 500)
      buffer += `C${i},user${i}@shop-mail.net,+1 212 555 ${String(i % 10_000).padStart(4, '0')},Name${i % 977},${points},${1_700_000_000_000 + i}\n`
      await flush()
    }
  } else {
    buffer += 'customerId,fieldName,fieldValue\n'
    const fields = ['email', 'phone', 'first_name', 'points']
    for (let i = 0; i < rows; i++) {
      const c = Math.floor(i / 4)
      const field = fields[i % 4] as string
      const value =
        field === 'email'
          ? `user${c}@shop-mail.net`
          : field === 'phone'
            ? `+1 212 555 ${String(c % 10_000).padStart(4, '0')}`
            : field === 'first_name'
              ? `Name${c % 977}`
              : i % 1000 === 999
                ? 'n/a'
                : String(c % 500)
      buffer += `C${c},${field},${value}\n`
      await flush()
    }
  }
  await flush(true)
  out.end()
  await once(out, 'finish')
}

/** Runs the import in a fresh process (tsx, as the bench itself) and returns its figures. */
async function importInChild(options: ChildOptions): Promise<ChildResult> {
  const child = spawn(
    process.execPath,
    [...process.execArgv, fileURLToPath(new URL('./csv-child.ts', import.meta.url))],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, CSV_BENCH: JSON.stringify(options) },
    },
  )
  let out = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (d: string) => (out += d))
  const [code] = (await once(child, 'exit')) as [number | null]
  if (code !== 0) throw new Error(`the import process exited with ${code}`)
  return JSON.parse(out) as ChildResult
}

const dir = await mkdtemp(join(tmpdir(), 'unifier-bench-csv-'))
try {
  const file = args.file ?? join(dir, `bench-${args.format}.csv`)
  if (args.file === undefined) {
    const started = Date.now()
    await generate(file, args.rows, args.format)
    console.error(`generated ${file} in ${((Date.now() - started) / 1000).toFixed(1)}s`)
  }
  const bytes = (await stat(file)).size
  console.error(`importing ${(bytes / MiB).toFixed(1)} MiB into ${join(dir, 'state')}`)
  const child = await importInChild({
    file,
    format: args.format,
    stateDir: args.sink === 'embedded' ? join(dir, 'state') : null,
    errorsPath: join(dir, 'errors.ndjson'),
    batchEvents: args['batch-events'],
    chunkBytes: args['chunk-kib'] * 1024,
  })
  const { summary } = child
  const seconds = summary.elapsedMs / 1000
  const results = {
    format: args.format,
    sink: args.sink,
    batchEvents: args['batch-events'],
    chunkKiB: args['chunk-kib'],
    rows: summary.rows,
    events: summary.events,
    badRows: summary.errorRows,
    fileMiB: Math.round((bytes / MiB) * 10) / 10,
    seconds: Math.round(seconds * 100) / 100,
    rowsPerSecond: summary.rowsPerSecond,
    mibPerSecond: Math.round((bytes / MiB / seconds) * 10) / 10,
    /** the import process after loading its modules, before the import */
    rssBeforeMiB: Math.round(child.rssBefore / MiB),
    /** sampled every 20 ms during the import */
    peakRssMiB: Math.round(child.peakRss / MiB),
    /** the kernel's high-water mark for the import process */
    maxRssMiB: Math.round(child.maxRss / MiB),
    cpuSeconds: Math.round(child.cpuSeconds * 100) / 100,
  }
  console.log(JSON.stringify(results, null, 2))
  console.log(`written ${await writeResults(`csv-${summary.rows}`, results)}`)
} finally {
  if (args.keep) console.error(`kept ${dir}`)
  else await rm(dir, { recursive: true, force: true })
}
