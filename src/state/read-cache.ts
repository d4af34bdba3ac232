/** A cached lookup: the decoded record, or `null` when the store is known to hold nothing. */
export type CachedValue<V> = V | null

/**
 * A bounded cache of decoded records in front of a byte store. It holds misses too (`null`):
 * most identifiers of a stream are new, and asking the store twice about the same absent key is
 * the common waste. Bounded by entry count so memory stays flat however large the state grows.
 *
 * Two generations instead of a strict LRU list: entries go into `young`; when it holds half the
 * bound it becomes `old` and the previous `old` is dropped; a hit in `old` moves the entry back
 * to `young`. What is evicted is what went unused for a whole generation, as in an LRU, but a
 * hit in `young` (the common case) is one Map lookup with no list bookkeeping and no wrapper
 * object per entry (lru-cache cost ~14 % of the in-memory store benchmark).
 */
export class ReadCache<V extends object> {
  private young = new Map<string, CachedValue<V>>()
  private old = new Map<string, CachedValue<V>>()
  /** Entries per generation: two generations never exceed `maxEntries` together. */
  private readonly generation: number

  constructor(readonly maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new Error(`read cache size must be a positive integer, got ${maxEntries}`)
    }
    this.generation = Math.max(1, Math.floor(maxEntries / 2))
  }

  /** undefined: not cached (ask the store); null: cached as absent. */
  get(key: string): CachedValue<V> | undefined {
    const value = this.young.get(key)
    if (value !== undefined) return value
    const aged = this.old.get(key)
    if (aged === undefined) return undefined
    this.old.delete(key)
    this.insertYoung(key, aged)
    return aged
  }

  set(key: string, value: CachedValue<V>): void {
    if (this.young.has(key)) {
      this.young.set(key, value)
      return
    }
    this.old.delete(key)
    this.insertYoung(key, value)
  }

  private insertYoung(key: string, value: CachedValue<V>): void {
    if (this.young.size >= this.generation) {
      this.old = this.young
      this.young = new Map()
    }
    // a bound of 1: the generations together may hold one entry
    if (this.young.size + this.old.size >= this.maxEntries) this.evictOldest()
    this.young.set(key, value)
  }

  private evictOldest(): void {
    const first = this.old.keys().next()
    if (first.done !== true) this.old.delete(first.value)
    else this.young.clear()
  }

  /** Forgets the key (its stored value changed). */
  delete(key: string): void {
    this.young.delete(key)
    this.old.delete(key)
  }

  get size(): number {
    return this.young.size + this.old.size
  }

  clear(): void {
    this.young.clear()
    this.old.clear()
  }
}
