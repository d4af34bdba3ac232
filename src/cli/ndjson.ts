import { createReadStream, createWriteStream, type WriteStream } from 'node:fs'
import { once } from 'node:events'
import { stat } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'

export interface NumberedLine {
  /** 1-based, counting every line of the input (blank ones too), as an editor shows it. */
  readonly lineNumber: number
  readonly text: string
}

export interface LineSource {
  readonly lines: AsyncIterable<NumberedLine>
  /** Bytes consumed so far and the input's size (null for stdin): for a progress bar. */
  readonly bytesRead: () => number
  readonly totalBytes: number | null
}

/** Streams the lines of a file, or of stdin for '-', without holding the input in memory. */
export async function openLines(path: string): Promise<LineSource> {
  const fromStdin = path === '-'
  // stat first so a missing file is one clear error before anything is written.
  const totalBytes = fromStdin ? null : (await stat(path)).size
  const input: Readable = fromStdin ? process.stdin : createReadStream(path)
  async function* numbered(): AsyncGenerator<NumberedLine> {
    const lines = createInterface({ input, crlfDelay: Infinity })
    let lineNumber = 0
    for await (const text of lines) {
      lineNumber++
      yield { lineNumber, text }
    }
  }
  const bytesRead = () => ('bytesRead' in input ? Number(input.bytesRead) : 0)
  return { lines: numbered(), bytesRead, totalBytes }
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

  async write(record: unknown): Promise<void> {
    this.check()
    this.lines++
    if (!this.stream.write(`${JSON.stringify(record)}\n`)) await this.settle('drain')
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
