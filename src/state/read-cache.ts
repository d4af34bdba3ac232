import { LRUCache } from 'lru-cache'

/** A cached lookup: the decoded record, or `null` when the store is known to hold nothing. */
export type CachedValue<V> = V | null

/**
 * A bounded, least-recently-used cache of decoded records in front of a byte store. It holds
 * misses too (`null`): most identifiers of a stream are new, and asking the store twice about
 * the same absent key is the common waste. Bounded by entry count so memory stays flat however
 * large the state grows.
 */
export class ReadCache<V extends object> {
  private readonly entries: LRUCache<string, { readonly value: CachedValue<V> }>

  constructor(readonly maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new Error(`read cache size must be a positive integer, got ${maxEntries}`)
    }
    this.entries = new LRUCache({ max: maxEntries })
  }

  /** undefined: not cached (ask the store); null: cached as absent. */
  get(key: string): CachedValue<V> | undefined {
    return this.entries.get(key)?.value
  }

  set(key: string, value: CachedValue<V>): void {
    this.entries.set(key, { value })
  }

  get size(): number {
    return this.entries.size
  }

  clear(): void {
    this.entries.clear()
  }
}
