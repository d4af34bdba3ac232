import { createWriteStream, type WriteStream } from 'node:fs'
import { once } from 'node:events'

/**
 * An NDJSON file written in blocks of lines (one stream write per block, with backpressure), so
 * a generator's memory stays bounded and a timed run counts serialising and writing, not
 * per-line stream overhead.
 */
export class NdjsonFile {
  private readonly stream: WriteStream
  private pending: string[] = []
  /** Lines written so far. */
  lines = 0

  constructor(path: string) {
    this.stream = createWriteStream(path)
  }

  /** Queues one record; queued records are written 1,000 at a time. */
  async write(record: unknown): Promise<void> {
    this.pending.push(JSON.stringify(record))
    if (this.pending.length >= 1000) await this.drain()
  }

  /** Writes lines (already serialised) as one block, after anything queued. */
  async writeLines(lines: readonly string[]): Promise<void> {
    this.pending.push(...lines)
    await this.drain()
  }

  private async drain(): Promise<void> {
    if (this.pending.length === 0) return
    const block = `${this.pending.join('\n')}\n`
    this.lines += this.pending.length
    this.pending = []
    if (!this.stream.write(block)) await once(this.stream, 'drain')
  }

  /** Writes what is left and waits until the file is complete. */
  async close(): Promise<void> {
    await this.drain()
    if (this.stream.writableEnded) return
    this.stream.end()
    await once(this.stream, 'finish')
  }
}
