import type { KeyValueStore, KeyValueWrite } from '../ports/key-value-store.js'

/**
 * The in-memory twin of the RocksDB store: same contract, no disk. Values are copied in and
 * out so a caller mutating a buffer cannot change what the store holds (RocksDB behaves so).
 */
export class MemoryStore implements KeyValueStore {
  private readonly entries = new Map<string, Uint8Array>()
  private closed = false
  /** Bumped by every write: a scan's sorted keys are reused while it stays the same. */
  private version = 0
  private sorted: { version: number; prefix: string; keys: readonly string[] } | null = null

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
    if (batch.length > 0) this.version++
    for (const { key, value } of batch) {
      if (value === null) this.entries.delete(key)
      else this.entries.set(key, copy(value))
    }
    return Promise.resolve()
  }

  async *scan(prefix: string): AsyncIterable<readonly [string, Uint8Array]> {
    this.assertOpen()
    for (const key of this.sortedKeys(prefix)) {
      const value = this.entries.get(key)
      if (value !== undefined) yield [key, copy(value)] as const
    }
  }

  /** Sorting is most of a scan's cost; a second scan of unchanged state (the export) reuses it. */
  private sortedKeys(prefix: string): readonly string[] {
    const known = this.sorted
    if (known !== null && known.version === this.version && known.prefix === prefix)
      return known.keys
    const matching: string[] = []
    let surrogates = false
    for (const key of this.entries.keys()) {
      if (!key.startsWith(prefix)) continue
      matching.push(key)
      if (!surrogates && SURROGATE.test(key)) surrogates = true
    }
    // Byte order of the UTF-8 keys, as RocksDB iterates. JS string order (UTF-16 code units) is
    // the same unless a key holds a character above U+FFFF, so the dear comparator only then.
    if (surrogates) matching.sort(byCodePoint)
    else matching.sort()
    this.sorted = { version: this.version, prefix, keys: matching }
    return matching
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

const SURROGATE = /[\uD800-\uDFFF]/

/** Code point order, which is UTF-8 byte order: a surrogate pair sorts above U+E000-U+FFFF. */
function byCodePoint(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x === y) continue
    if (x >= 0xd800 && y >= 0xd800) {
      const xPair = x <= 0xdfff
      if (xPair !== y <= 0xdfff) return xPair ? 1 : -1
    }
    return x - y
  }
  return a.length - b.length
}
