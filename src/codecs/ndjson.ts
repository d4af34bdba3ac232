import { createReadStream, createWriteStream, type WriteStream } from 'node:fs'
import { once } from 'node:events'
import { stat } from 'node:fs/promises'

/** The default cap on one input line (bytes, without its line break): 1 MiB. */
export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024

/**
 * One line of the input, numbered from 1 counting every line (blank ones too), as an editor
 * shows it. A line over the cap comes back as 'too-long' with its length: its bytes were
 * counted and dropped as they streamed past, never held.
 */
export type NumberedLine =
  | { readonly kind: 'line'; readonly lineNumber: number; readonly text: string }
  | { readonly kind: 'too-long'; readonly lineNumber: number; readonly bytes: number }

export interface LineSource {
  readonly lines: AsyncIterable<NumberedLine>
  /** Bytes consumed so far and the input's size (null for stdin): for a progress bar. */
  readonly bytesRead: () => number
  readonly totalBytes: number | null
  readonly maxLineBytes: number
}

export interface OpenLinesOptions {
  /** Longest line kept, in bytes without the line break; DEFAULT_MAX_LINE_BYTES by default. */
  readonly maxLineBytes?: number
}

/** Streams the lines of a file, or of stdin for '-', without holding the input in memory. */
export async function openLines(path: string, options: OpenLinesOptions = {}): Promise<LineSource> {
  const fromStdin = path === '-'
  // stat first so a missing file is one clear error before anything is written.
  const totalBytes = fromStdin ? null : (await stat(path)).size
  const input: AsyncIterable<Buffer> = fromStdin ? process.stdin : createReadStream(path)
  return linesOf(input, totalBytes, options)
}

/** The lines of any byte stream (a file, stdin, a test's chunks): see splitLines. */
export function linesOf(
  input: AsyncIterable<Buffer | Uint8Array | string>,
  totalBytes: number | null = null,
  options: OpenLinesOptions = {},
): LineSource {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES
  const counter = { bytes: 0 }
  return {
    lines: splitLines(input, maxLineBytes, counter),
    bytesRead: () => counter.bytes,
    totalBytes,
    maxLineBytes,
  }
}

const LF = 0x0a
const CR = 0x0d
const BOM = Buffer.from([0xef, 0xbb, 0xbf])

/**
 * Splits bytes into lines while reading them, chunk by chunk. Only LF ends a line (a CR inside
 * a line is part of it; a CR right before the LF is dropped with it); a UTF-8 BOM opening the
 * input is skipped; the text after the last LF is a line if it is not empty. A line is held
 * only while it is within `maxLineBytes`: past that its bytes are counted and discarded, so a
 * line of any length costs at most the cap (plus one read chunk) in memory. Invalid UTF-8
 * becomes U+FFFD (the parser then refuses the line if it matters); nothing here throws on
 * content.
 */
async function* splitLines(
  input: AsyncIterable<Buffer | Uint8Array | string>,
  maxLineBytes: number,
  counter: { bytes: number },
): AsyncGenerator<NumberedLine> {
  let lineNumber = 0
  let parts: Buffer[] = []
  /** Bytes of the current line seen so far, held or not. */
  let lineBytes = 0
  let overflow = false
  let first = true
  // A CR may end the cap's last allowed byte; it is dropped if an LF follows.
  const holdLimit = maxLineBytes + 1

  /** The last byte of the current line so far is a CR (dropped if the line ends there). */
  let endsInCr = false
  const take = (segment: Buffer) => {
    lineBytes += segment.length
    if (segment.length > 0) endsInCr = segment[segment.length - 1] === CR
    if (overflow) return
    if (lineBytes > holdLimit) {
      overflow = true
      parts = []
      return
    }
    if (segment.length > 0) parts.push(segment)
  }
  const finish = (): NumberedLine => {
    lineNumber++
    let line: NumberedLine
    if (overflow) {
      line = { kind: 'too-long', lineNumber, bytes: endsInCr ? lineBytes - 1 : lineBytes }
    } else {
      let bytes = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, lineBytes)
      if (bytes.length > 0 && bytes[bytes.length - 1] === CR) bytes = bytes.subarray(0, -1)
      line =
        bytes.length > maxLineBytes
          ? { kind: 'too-long', lineNumber, bytes: bytes.length }
          : { kind: 'line', lineNumber, text: bytes.toString('utf8') }
    }
    parts = []
    lineBytes = 0
    overflow = false
    endsInCr = false
    return line
  }

  for await (const raw of input) {
    let chunk =
      typeof raw === 'string'
        ? Buffer.from(raw, 'utf8')
        : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)
    counter.bytes += chunk.length
    if (first && chunk.length > 0) {
      first = false
      // A BOM split across the first chunks is rare enough to read as text (then refused).
      if (chunk.length >= BOM.length && chunk.subarray(0, BOM.length).equals(BOM))
        chunk = chunk.subarray(BOM.length)
    }
    let start = 0
    for (;;) {
      const lf = chunk.indexOf(LF, start)
      if (lf === -1) break
      take(chunk.subarray(start, lf))
      yield finish()
      start = lf + 1
    }
    // The rest belongs to a line continued by the next chunk. Copied when held, so a stream
    // that reuses its buffers cannot change it, and a small tail does not pin a large chunk.
    if (start < chunk.length) {
      const rest = chunk.subarray(start)
      take(overflow || lineBytes + rest.length > holdLimit ? rest : Buffer.from(rest))
    }
  }
  if (lineBytes > 0 || overflow) yield finish()
}

/** Appends one JSON document per line, respecting the stream's backpressure. */
export class NdjsonWriter {
  private readonly stream: WriteStream
  private lines = 0
  private failure: Error | null = null

  constructor(readonly path: string) {
    this.stream = createWriteStream(path)
    // An unwritable file (permissions, full disk) surfaces at the next write or close,
    // as an error naming the file, instead of an unhandled 'error' event.
    this.stream.on('error', (err) => {
      this.failure ??= new Error(`cannot write ${path}: ${err.message}`, { cause: err })
    })
  }

  get count(): number {
    return this.lines
  }

  /**
   * Appends the record's line; a promise only when the stream's buffer is full (wait for it to
   * drain before the next write), so that a line written to a stream keeping up costs none.
   */
  write(record: unknown): Promise<void> | undefined {
    this.check()
    this.lines++
    if (this.stream.write(`${JSON.stringify(record)}\n`)) return undefined
    return this.settle('drain')
  }

  async close(): Promise<void> {
    if (this.failure === null && !this.stream.closed) {
      this.stream.end()
      await this.settle('finish')
    }
    this.check()
  }

  /**
   * Waits for `event`, or for the stream to close or fail. The listeners of the wait that did
   * not happen are removed (aborted): left in place, one pair per 'drain' piled up on a long
   * output (MaxListenersExceededWarning, and memory held for the whole run).
   */
  private async settle(event: 'drain' | 'finish'): Promise<void> {
    const abort = new AbortController()
    const waits = [
      once(this.stream, event, { signal: abort.signal }),
      once(this.stream, 'close', { signal: abort.signal }),
    ]
    try {
      await Promise.race(waits)
    } catch (err) {
      // a stream error (the constructor's handler names the file); thrown by check() below
      this.failure ??= new Error(`cannot write ${this.path}: ${String(err)}`, { cause: err })
    } finally {
      abort.abort()
      for (const wait of waits) wait.catch(() => undefined)
    }
    this.check()
  }

  private check(): void {
    if (this.failure !== null) throw this.failure
  }
}
