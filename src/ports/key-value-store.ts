/**
 * The byte-level state store port (the inner layer of a Kafka Streams store).
 * Implementations: src/state/memory-store.ts, src/state/rocksdb-store.ts; one contract suite
 * (test/contract) runs against both. Serialisation, caching and change-logging are wrappers
 * around this, never inside it.
 */
export interface KeyValueWrite {
  readonly key: string
  /** null deletes the key. */
  readonly value: Uint8Array | null
}

export interface KeyValueStore {
  /** One round trip for many keys; result is positionally aligned with `keys`. */
  getMany(keys: readonly string[]): Promise<Array<Uint8Array | undefined>>
  /** Optional: the same without a promise, for stores that hold everything in memory. */
  getManySync?(keys: readonly string[]): Array<Uint8Array | undefined>
  /** Applies all writes atomically (one batch). */
  write(batch: readonly KeyValueWrite[]): Promise<void>
  /** Keys in byte order that start with `prefix`. */
  scan(prefix: string): AsyncIterable<readonly [string, Uint8Array]>
  close(): Promise<void>
}
