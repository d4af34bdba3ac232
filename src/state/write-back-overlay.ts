import type { StateReader, StateWrite } from '../core/state.js'
import type { KeyValueStore, KeyValueWrite } from '../ports/key-value-store.js'
import type { ReadCache } from './read-cache.js'
import type { RecordCodec } from './record-codec.js'
import { StoreError } from './store-error.js'

/** A write that reached the store, with the bytes it was stored as (for a changelog topic). */
export interface FlushedWrite<V> extends StateWrite<V> {
  readonly bytes: Uint8Array | null
}

/** Pending writes encoded and set aside by `seal()`, until `persist` stores them. */
export interface SealedWrites<V> {
  readonly writes: readonly FlushedWrite<V>[]
  /** Writes them to the store, with `alongside` in the same atomic batch. */
  persist(alongside?: readonly KeyValueWrite[]): Promise<void>
}

/**
 * The state the core reads between flushes: writes of earlier events in the batch (pending),
 * then the read cache, then the store, asked once per getMany for all the misses together.
 * `flush()` turns the pending writes into one atomic store batch, so a crash mid-batch leaves
 * the store at the previous flush, never half an event.
 */
export class WriteBackOverlay<V extends object> implements StateReader<V> {
  private pending = new Map<string, V | null>()
  /** Writes of the flush the store is still applying; reads see them meanwhile. */
  private writing: ReadonlyMap<string, V | null> | null = null
  private inFlight: Promise<readonly FlushedWrite<V>[]> | null = null
  private failure: unknown = null
  private storeReads = 0

  constructor(
    private readonly store: KeyValueStore,
    private readonly codec: RecordCodec<V>,
    private readonly cache: ReadCache<V>,
  ) {}

  /**
   * The answer from memory (pending writes, the flush in flight, the cache, or a store that
   * answers synchronously), or null when a key needs a store round trip.
   */
  getManySync(keys: readonly string[]): Array<V | undefined> | null {
    this.assertHealthy()
    const writing = this.writing
    const result = new Array<V | undefined>(keys.length)
    let missKeys: string[] | null = null
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string
      const own = this.pending.get(key)
      if (own !== undefined || this.pending.has(key)) {
        result[i] = own ?? undefined
        continue
      }
      if (writing !== null) {
        const w = writing.get(key)
        if (w !== undefined || writing.has(key)) {
          result[i] = w ?? undefined
          continue
        }
      }
      const cached = this.cache.get(key)
      if (cached !== undefined) {
        result[i] = cached ?? undefined
        continue
      }
      if (this.store.getManySync === undefined) return null
      ;(missKeys ??= []).push(key)
    }
    if (missKeys === null) return result
    this.storeReads++
    const stored = readSync(this.store, missKeys)
    if (stored === undefined) return null
    const decoded = new Map<string, V | null>()
    for (let m = 0; m < missKeys.length; m++) {
      const bytes = stored[m]
      const value = bytes === undefined ? null : this.codec.decode(bytes)
      this.cache.set(missKeys[m] as string, value)
      decoded.set(missKeys[m] as string, value)
    }
    for (let i = 0; i < keys.length; i++) {
      const v = decoded.get(keys[i] as string)
      if (v !== undefined) result[i] = v ?? undefined
    }
    return result
  }

  async getMany(keys: readonly string[]): Promise<Array<V | undefined>> {
    this.assertHealthy()
    const writing = this.writing
    const result = new Array<V | undefined>(keys.length)
    const missKeys: string[] = []
    const missSlots: number[][] = []
    const missIndex = new Map<string, number>()
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string
      if (this.pending.has(key)) {
        result[i] = this.pending.get(key) ?? undefined
        continue
      }
      if (writing?.has(key) === true) {
        result[i] = writing.get(key) ?? undefined
        continue
      }
      const cached = this.cache.get(key)
      if (cached !== undefined) {
        result[i] = cached ?? undefined
        continue
      }
      const seen = missIndex.get(key)
      if (seen === undefined) {
        missIndex.set(key, missKeys.length)
        missKeys.push(key)
        missSlots.push([i])
      } else {
        ;(missSlots[seen] as number[]).push(i)
      }
    }
    if (missKeys.length === 0) return result
    this.storeReads++
    const stored = await this.store.getMany(missKeys).catch((err: unknown) => {
      throw new StoreError('read', err)
    })
    for (let m = 0; m < missKeys.length; m++) {
      const bytes = stored[m]
      const value = bytes === undefined ? null : this.codec.decode(bytes)
      this.cache.set(missKeys[m] as string, value)
      for (const slot of missSlots[m] as number[]) result[slot] = value ?? undefined
    }
    return result
  }

  /** Records one event's writes; later reads see them before the store does. */
  apply(writes: readonly StateWrite<V>[]): void {
    for (const { key, value } of writes) this.pending.set(key, value)
  }

  /** Number of distinct keys waiting for the next flush. */
  get pendingCount(): number {
    return this.pending.size
  }

  /** How many times getMany had to ask the store (for tests and benchmarks). */
  get storeReadCount(): number {
    return this.storeReads
  }

  /**
   * Writes everything pending as one store batch and returns what was written, once the store
   * has it. `alongside` are raw writes (e.g. the CLI's input position) that must land
   * atomically with them.
   */
  async flush(alongside: readonly KeyValueWrite[] = []): Promise<readonly FlushedWrite<V>[]> {
    return this.startFlush(alongside)
  }

  /**
   * Starts a flush and returns at once with its completion: the caller decides more events
   * while the store writes (JavaScript and RocksDB's thread overlap). One flush is in flight at
   * a time: starting the next waits for the previous. If a write fails, the overlay refuses
   * all further use: the writes since the last good flush are lost from this process, and the
   * runtime must restart from its last committed position.
   */
  async startFlush(alongside: readonly KeyValueWrite[] = []): Promise<readonly FlushedWrite<V>[]> {
    this.assertHealthy()
    if (this.inFlight !== null) await this.inFlight
    if (this.pending.size === 0 && alongside.length === 0) return []
    const sealed = this.seal()
    const done = sealed.persist(alongside).then(() => sealed.writes)
    this.inFlight = done
    return done
  }

  /**
   * Encodes every pending write and sets them aside: reads keep seeing them, new writes start a
   * new pending set, and nothing reaches the store until `persist` is called. The Kafka runtime
   * sends the encoded writes to the state changelog and persists them only once that
   * transaction has committed. One sealed set at a time.
   */
  seal(): SealedWrites<V> {
    this.assertHealthy()
    if (this.writing !== null) throw new Error('the previous sealed writes are not persisted yet')
    const writing = this.pending
    this.pending = new Map()
    const writes: FlushedWrite<V>[] = []
    for (const [key, value] of writing) {
      writes.push({ key, value, bytes: value === null ? null : this.codec.encode(value) })
    }
    this.writing = writing
    return {
      writes,
      persist: (alongside = []) => {
        const batch: KeyValueWrite[] = [...alongside]
        for (const { key, bytes } of writes) batch.push({ key, value: bytes })
        return this.store.write(batch).then(
          () => {
            for (const { key, value } of writes) this.cache.set(key, value)
            this.writing = null
            this.inFlight = null
          },
          (err: unknown) => {
            this.failure = err
            this.inFlight = null
            throw new StoreError('write', err)
          },
        )
      },
    }
  }

  private assertHealthy(): void {
    if (this.failure !== null) {
      throw new Error('state overlay unusable after a failed store write', { cause: this.failure })
    }
  }
}

function readSync(store: KeyValueStore, keys: readonly string[]) {
  try {
    return store.getManySync?.(keys)
  } catch (err) {
    throw new StoreError('read', err)
  }
}
