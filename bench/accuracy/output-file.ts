import { createWriteStream, type WriteStream } from 'node:fs'
import { once } from 'node:events'

/**
 * Output records as NDJSON, written in blocks of lines (one stream write per block) so the
 * measurement counts serialising and writing the outputs, not per-line stream overhead.
 */
export class OutputFile {
  private readonly stream: WriteStream
  private pending: string[] = []

  constructor(path: string) {
    this.stream = createWriteStream(path)
  }

  async write(record: unknown): Promise<void> {
    this.pending.push(JSON.stringify(record))
    if (this.pending.length >= 1000) await this.drain()
  }

  private async drain(): Promise<void> {
    if (this.pending.length === 0) return
    const block = `${this.pending.join('\n')}\n`
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
