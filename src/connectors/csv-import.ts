/**
 * `unifier import csv`: a CSV file (or stdin) streamed into identify events, sent to Kafka
 * through the producer library or appended to the embedded log (docs/connectors.md). Constant
 * memory: a chunk of text at a time, at most one batch of events and one customer's rows.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import { NdjsonWriter } from '../codecs/ndjson.js'
import type { IdentityConfig } from '../core/config.js'
import { compileTenants } from '../core/tenant-rules.js'
import { CsvImportError, type CsvMapping } from './csv-mapping.js'
import {
  longFormatMapper,
  wideFormatMapper,
  type CsvEvent,
  type CsvMapperOptions,
  type CsvRowError,
} from './csv-events.js'
import { CsvProgress } from './csv-progress.js'
import { CsvRecordReader } from './csv-records.js'
import { Sha256Prefix } from './sha256-prefix.js'

export type CsvFormat = 'long' | 'wide'

/** Where the events go: the producer library (Kafka) or the embedded log. */
export interface CsvSink {
  /** True when this exact import (same id) completed before; the import then sends nothing. */
  completed(importId: string): Promise<boolean>
  /**
   * Writes the events in order. May return before they are stored (a bounded window in flight);
   * returns the events found refused (too large) so far, each with why.
   */
  write(events: readonly CsvEvent[]): Promise<readonly RefusedEvent[]>
  /**
   * Waits for everything written, records the import as complete (when the sink keeps such
   * marks) and returns the events refused since the last write.
   */
  finish(importId: string | null): Promise<readonly RefusedEvent[]>
  close(): Promise<void>
}

export interface RefusedEvent {
  readonly event: CsvEvent
  readonly detail: string
}

export interface CsvImportOptions {
  /** A file path, or '-' for stdin. */
  readonly input: string
  readonly tenant: string
  readonly source: string
  readonly format: CsvFormat
  readonly mapping: CsvMapping
  readonly identity: IdentityConfig
  /** Event time of rows without a timestamp column; default: when the import started. */
  readonly timestamp?: number
  /** Where bad rows go, one JSON object per line: {line, reason, detail}. */
  readonly errorsPath: string
  readonly sink: CsvSink
  readonly progressStream?: NodeJS.WriteStream
  /** Characters of one row at most; a longer row is a bad row. Default 1 MiB. */
  readonly maxRowChars?: number
  /** Events per sink write. */
  readonly batchEvents?: number
  /** Bytes read from the file at a time. */
  readonly chunkBytes?: number
  /** stdin for '-' (tests give their own). */
  readonly stdin?: Readable
}

export interface CsvImportSummary {
  /** Rows read (the header and blank lines not counted), bad ones included. */
  readonly rows: number
  readonly events: number
  readonly errorRows: number
  readonly bytes: number
  readonly elapsedMs: number
  readonly rowsPerSecond: number
  /** The same file was imported completely before (embedded mode): nothing was sent. */
  readonly alreadyImported: boolean
  readonly errorsPath: string
}

const hex = (parts: readonly string[]): string => {
  const h = createHash('sha256')
  for (const p of parts) h.update(p).update('\u0000')
  return h.digest('hex')
}

/** One pass over the file: its SHA-256. */
async function fileHash(path: string): Promise<string> {
  const h = createHash('sha256')
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer)
  return h.digest('hex')
}

/**
 * Event ids: a file's rows get `csv-` + a hash of tenant, source, format, mapping, the file's
 * SHA-256 and the row's line, so the same file imported again gives the same ids (the resolver
 * ignores an eventId it already applied, spec rule 9) and a changed file or mapping new ones.
 * stdin cannot be hashed before its rows are sent: its ids hash the row's content and line instead.
 */
export async function runCsvImport(options: CsvImportOptions): Promise<CsvImportSummary> {
  const started = Date.now()
  const tenant = compileTenants(options.identity).get(options.tenant)
  if (tenant === null) {
    throw new CsvImportError(
      'unknown-tenant',
      `tenant ${options.tenant} is not in the identity config, which has no "*" section`,
    )
  }
  const fromStdin = options.input === '-'
  const basis = [options.tenant, options.source, options.format, JSON.stringify(options.mapping)]
  const contentHash = fromStdin ? null : await fileHash(options.input)
  const importId = contentHash === null ? null : `csv:${hex([...basis, contentHash])}`
  // the basis hashed once: a row costs its last block(s) (file) or a copy of the hash (stdin)
  const prefix = [...basis, contentHash ?? 'stdin'].map((p) => `${p}\u0000`).join('')
  const base = createHash('sha256').update(prefix)
  const fromPrefix = new Sha256Prefix(Buffer.from(prefix, 'utf8'))
  const eventId: CsvMapperOptions['eventId'] =
    contentHash === null
      ? (line, rows) =>
          `csv-${base
            .copy()
            .update(`${line}\u0000${JSON.stringify(rows)}`)
            .digest('hex')
            .slice(0, 40)}`
      : (line) => `csv-${fromPrefix.hex(String(line), 40)}`

  let rows = 0
  let events = 0
  let errorRows = 0
  let bytes = 0
  let pendingEvents: CsvEvent[] = []
  let pendingErrors: CsvRowError[] = []
  const mapperOptions: CsvMapperOptions = {
    tenantName: options.tenant,
    tenant,
    source: options.source,
    mapping: options.mapping,
    timestamp: options.timestamp ?? started,
    eventId,
    onEvent: (e) => pendingEvents.push(e),
    onError: (e) => pendingErrors.push(e),
  }
  // Configuration problems (no anchor type, a bad mapping) stop here, before anything is read.
  const mapper =
    options.format === 'long' ? longFormatMapper(mapperOptions) : wideFormatMapper(mapperOptions)
  if (importId !== null && (await options.sink.completed(importId))) {
    // the errors file of the import that completed stays as it was
    return {
      rows: 0,
      events: 0,
      errorRows: 0,
      bytes: 0,
      elapsedMs: Date.now() - started,
      rowsPerSecond: 0,
      alreadyImported: true,
      errorsPath: options.errorsPath,
    }
  }
  const errors = new NdjsonWriter(options.errorsPath)
  try {
    const totalBytes = fromStdin ? null : (await stat(options.input)).size
    const input: Readable = fromStdin
      ? (options.stdin ?? process.stdin)
      : createReadStream(options.input, { highWaterMark: options.chunkBytes ?? 64 * 1024 })
    const progress = new CsvProgress(totalBytes, options.progressStream ?? process.stderr)
    const reader = new CsvRecordReader(options.maxRowChars ?? 1024 * 1024)
    const batchEvents = options.batchEvents ?? 1_000

    const report = async (refused: readonly RefusedEvent[]) => {
      events -= refused.length
      for (const { event, detail } of refused) {
        for (const line of event.lines) {
          await errors.write({ line, reason: 'event-too-large', detail } satisfies CsvRowError)
          errorRows++
        }
      }
    }
    const drain = async (force: boolean) => {
      for (const e of pendingErrors) await errors.write(e)
      errorRows += pendingErrors.length
      pendingErrors = []
      if (pendingEvents.length >= batchEvents || (force && pendingEvents.length > 0)) {
        const batch = pendingEvents
        pendingEvents = []
        events += batch.length
        await report(await options.sink.write(batch))
      }
    }
    const feed = (records: ReturnType<CsvRecordReader['push']>) => {
      for (const record of records) {
        rows++
        mapper.push(record)
      }
    }
    input.setEncoding('utf8')
    for await (const chunk of input) {
      const text = chunk as string
      bytes += Buffer.byteLength(text)
      feed(reader.push(text))
      await drain(false)
      progress.update(rows, bytes)
    }
    feed(reader.end())
    mapper.end()
    await drain(true)
    await report(await options.sink.finish(importId))
    progress.done()
    rows -= mapper.headerRows()
    const elapsedMs = Date.now() - started
    return {
      rows,
      events,
      errorRows,
      bytes,
      elapsedMs,
      rowsPerSecond: Math.round(rows / Math.max(elapsedMs / 1000, 0.001)),
      alreadyImported: false,
      errorsPath: options.errorsPath,
    }
  } finally {
    await errors.close()
  }
}

export function formatCsvSummary(summary: CsvImportSummary): string {
  if (summary.alreadyImported) {
    return 'this file was imported completely before with the same tenant, source and mapping: nothing sent\n'
  }
  return [
    `imported ${summary.rows} rows (${summary.bytes} bytes) in ${(summary.elapsedMs / 1000).toFixed(1)}s, ${summary.rowsPerSecond} rows/s`,
    `  events sent  ${summary.events}`,
    `  bad rows     ${summary.errorRows}${summary.errorRows > 0 ? ` (${summary.errorsPath})` : ''}`,
    '',
  ].join('\n')
}
