import type { KeyValueStore, KeyValueWrite } from '../ports/key-value-store.js'

/**
 * The in-memory twin of the RocksDB store: same contract, no disk. Values are copied in and
 * out so a caller mutating a buffer cannot change what the store holds (RocksDB behaves so).
 */
export class MemoryStore implements KeyValueStore {
  private readonly entries = new Map<string, Uint8Array>()
  private closed = false

  get size(): number {
    return this.entries.size
  }

  getMany(keys: readonly string[]): Promise<Array<Uint8Array | undefined>> {
    return Promise.resolve(this.read(keys))
  }

  getManySync(keys: readonly string[]): Array<Uint8Array | undefined> {
    return this.read(keys)
  }

  private read(keys: readonly string[]): Array<Uint8Array | undefined> {
    this.assertOpen()
    return keys.map((key) => {
      const value = this.entries.get(key)
      return value === undefined ? undefined : copy(value)
    })
  }

  write(batch: readonly KeyValueWrite[]): Promise<void> {
    this.assertOpen()
    for (const { key, value } of batch) {
      if (value === null) this.entries.delete(key)
      else this.entries.set(key, copy(value))
    }
    return Promise.resolve()
  }

  async *scan(prefix: string): AsyncIterable<readonly [string, Uint8Array]> {
    this.assertOpen()
    // Byte order of the UTF-8 keys, as RocksDB iterates; JS string order differs above U+FFFF.
    const matching = [...this.entries.keys()]
      .filter((key) => key.startsWith(prefix))
      .map((key) => [key, Buffer.from(key, 'utf8')] as const)
      .sort((a, b) => Buffer.compare(a[1], b[1]))
    for (const [key] of matching) {
      const value = this.entries.get(key)
      if (value !== undefined) yield [key, copy(value)] as const
    }
  }

  close(): Promise<void> {
    this.closed = true
    return Promise.resolve()
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('memory store is closed')
  }
}

/** A real copy even for a Node Buffer, whose own slice() returns a view of the same memory. */
function copy(value: Uint8Array): Uint8Array {
  return Uint8Array.prototype.slice.call(value)
}
