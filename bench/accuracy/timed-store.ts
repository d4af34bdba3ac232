/**
 * A store wrapper that adds up how long the resolver spends in each store call, to show where
 * an increment's time goes (docs/accuracy.md). It changes nothing it wraps: the same calls, in
 * the same order, reach the store.
 */
import type { KeyValueStore, KeyValueWrite } from '../../src/ports/key-value-store.js'

export interface StoreTimings {
  /** Read round trips (getMany calls) and the keys they asked for. */
  reads: number
  readKeys: number
  /** Wall time from a read's call to its result; the resolver waits for every read. */
  readMs: number
  /** Write batches, their size, and wall time from call to durable; flushes overlap deciding. */
  writes: number
  writeKeys: number
  writeMs: number
  /**
   * Keys read outside a prefetch (calls of fewer than 50 keys), by what they held: the record
   * type, or `absent`. Each such call is a round trip the resolver waits for.
   */
  unprefetchedByRecord: Record<string, number>
}

export const emptyTimings = (): StoreTimings => ({
  reads: 0,
  readKeys: 0,
  readMs: 0,
  writes: 0,
  writeKeys: 0,
  writeMs: 0,
  unprefetchedByRecord: {},
})

export class TimedStore implements KeyValueStore {
  timings: StoreTimings = emptyTimings()

  constructor(
    private readonly inner: KeyValueStore,
    /** Names the record a stored value holds (for `unprefetchedByRecord`). */
    private readonly recordType: (value: Uint8Array) => string = () => 'record',
  ) {}

  /** The timings since the last call, starting a new count. */
  take(): StoreTimings {
    const taken = this.timings
    this.timings = emptyTimings()
    return taken
  }

  async getMany(keys: readonly string[]): Promise<Array<Uint8Array | undefined>> {
    const started = performance.now()
    const values = await this.inner.getMany(keys)
    const t = this.timings
    t.reads++
    t.readKeys += keys.length
    t.readMs += performance.now() - started
    if (keys.length < 50) {
      for (const value of values) {
        const kind = value === undefined ? 'absent' : this.recordType(value)
        t.unprefetchedByRecord[kind] = (t.unprefetchedByRecord[kind] ?? 0) + 1
      }
    }
    return values
  }

  async write(batch: readonly KeyValueWrite[]): Promise<void> {
    const started = performance.now()
    try {
      await this.inner.write(batch)
    } finally {
      this.timings.writes++
      this.timings.writeKeys += batch.length
      this.timings.writeMs += performance.now() - started
    }
  }

  scan(prefix: string): AsyncIterable<readonly [string, Uint8Array]> {
    return this.inner.scan(prefix)
  }

  close(): Promise<void> {
    return this.inner.close()
  }
}
