/**
 * How the read side reads committed state without a snapshot per answer, and a bounded cache
 * of decoded records in front of the store, both kept exact by the store's write feed
 * (WriteObservedStore: told before a batch is applied and after).
 *
 * - An epoch counts batch begins and ends. An answer starts only while no batch is being
 *   applied, and its reads are trusted only if the epoch has not moved when it ends: then no
 *   batch was applied while it read, so all its rounds saw one committed state, as a snapshot
 *   would have given. Otherwise the read side answers again from a snapshot (rare: a batch per
 *   commit against thousands of answers).
 * - The cache holds decoded records (and known-absent keys). A batch's keys are dropped when
 *   it begins and again when it ends; a value read from the store is cached only if no batch
 *   began since the answer started. So whatever the cache holds is what the store holds now,
 *   and a lookup whose records are all cached reads nothing natively and decodes nothing.
 *   A record is cached the second time it is read from the store within a generation of the
 *   cache (the keys read once are only noted): traffic spread over a state much larger than
 *   the cache then costs no churn of decoded records (bench:lookup-cpu, docs/benchmarks.md).
 */
import type { StateReader } from '../core/state.js'
import type { StateRecord } from '../core/state-records.js'
import type { KeyValueWrite } from '../ports/key-value-store.js'
import type { WriteFeed } from '../state/observed-store.js'
import { ReadCache } from '../state/read-cache.js'
import type { RecordCodec } from '../state/record-codec.js'

/**
 * Decoded records the API keeps by default (link, profile root and membership chunk records):
 * about 190 MiB of heap with bench:api's profiles (2 KB a record on average).
 */
export const DEFAULT_CACHED_RECORDS = 100_000

/** A reader for one answer: read through it, then ask `unchanged()` before trusting it. */
export interface AnswerReader extends StateReader<StateRecord> {
  /** No batch was applied since the answer started: its reads saw one committed state. */
  unchanged(): boolean
}

export class CommittedRecords {
  private readonly cache: ReadCache<StateRecord> | null
  /** Keys read from the store once (bounded like the cache, cleared when full). */
  private readOnce = new Set<string>()
  private readonly maxRecords: number
  private epoch = 0
  private applying = 0

  constructor(
    feed: WriteFeed,
    private readonly source: {
      getMany(keys: readonly string[]): Promise<Array<Uint8Array | undefined>>
    },
    private readonly codec: RecordCodec<StateRecord>,
    /** 0: no cache, reads without snapshots only. */
    maxRecords: number = DEFAULT_CACHED_RECORDS,
  ) {
    this.maxRecords = maxRecords
    this.cache = maxRecords > 0 ? new ReadCache<StateRecord>(maxRecords) : null
    feed.watch({
      begin: (batch) => {
        this.applying++
        this.epoch++
        this.drop(batch)
      },
      end: (batch) => {
        this.applying--
        this.epoch++
        this.drop(batch)
      },
    })
  }

  get size(): number {
    return this.cache?.size ?? 0
  }

  /** Caches the record if its key was read once before; notes the key otherwise. */
  private admit(cache: ReadCache<StateRecord>, key: string, record: StateRecord | undefined) {
    if (this.readOnce.delete(key)) {
      cache.set(key, record ?? null)
      return
    }
    if (this.readOnce.size >= this.maxRecords) this.readOnce = new Set()
    this.readOnce.add(key)
  }

  private drop(batch: readonly KeyValueWrite[]): void {
    const cache = this.cache
    if (cache !== null) for (const w of batch) cache.delete(w.key)
  }

  /** A reader for one answer, or null while a batch is being applied (read a snapshot then). */
  reader(): AnswerReader | null {
    if (this.applying > 0) return null
    const started = this.epoch
    const cache = this.cache
    const unchanged = () => this.epoch === started
    return {
      unchanged,
      getManySync: (keys) => {
        if (cache === null) return null
        const values: Array<StateRecord | undefined> = []
        for (const key of keys) {
          const v = cache.get(key)
          if (v === undefined) return null
          values.push(v ?? undefined)
        }
        return values
      },
      getMany: async (keys) => {
        const values: Array<StateRecord | undefined> = new Array(keys.length)
        const missing: string[] = []
        const at: number[] = []
        for (let i = 0; i < keys.length; i++) {
          const key = keys[i] as string
          const v = cache?.get(key)
          if (v === undefined) {
            missing.push(key)
            at.push(i)
          } else values[i] = v ?? undefined
        }
        if (missing.length === 0) return values
        const read = await this.source.getMany(missing)
        const fill = cache !== null && unchanged()
        for (let j = 0; j < missing.length; j++) {
          const bytes = read[j]
          const record = bytes === undefined ? undefined : this.codec.decode(bytes)
          values[at[j] as number] = record
          if (fill) this.admit(cache, missing[j] as string, record)
        }
        return values
      },
    }
  }
}
