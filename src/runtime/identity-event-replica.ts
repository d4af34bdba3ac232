import type { PartitionLag } from './state-replica.js'

/** One fetched stretch of one partition of a followed topic, as the follower hands it over. */
export interface TopicReplicaBatch {
  readonly topic: string
  readonly partition: number
  readonly records: ReadonlyArray<{ readonly offset: string; readonly value: Uint8Array | null }>
  /** The last offset covered, transaction markers included; null: a watermark report only. */
  readonly lastOffset: string | null
  readonly highWatermark: string
  /** The partition's log start, when the report has it (retention deletes the oldest records). */
  readonly lowWatermark?: string | null
  /** When its last record was written (ms), if known. */
  readonly lastTimestamp: number | null
}

/**
 * Follows some topics (every partition, read_committed) from the offsets `from` gives (null:
 * the log start) until stopped; `positionOf` says where to resume when it has to seek again.
 */
export type FollowTopics = (
  from: (topic: string, partition: number) => string | null,
  onBatch: (batch: TopicReplicaBatch) => Promise<void>,
  positionOf: (topic: string, partition: number) => string,
) => Promise<{ stop(): Promise<void> }>

export interface TopicPartitionLag extends PartitionLag {
  readonly topic: string
}

/** A record that does not decode: skipped (it cannot be indexed) and reported. */
export interface UndecodableRecord {
  readonly topic: string
  readonly partition: number
  readonly offset: string
  readonly error: unknown
}

const retriable = (err: unknown): boolean =>
  typeof err === 'object' && err !== null && (err as { retriable?: unknown }).retriable === true

/**
 * An in-memory replica of the committed identity-event topics (`profile-merged`,
 * `link-reassigned`, `merge-refused`) for the Profile API's history index in Kafka mode: each
 * record is decoded and handed to `apply` exactly once per process, in offset order per
 * partition, and the replica reports its lag as the state replica does. It keeps no checkpoint:
 * the index lives in memory, so a restart reads the topics again from their start (they are
 * small next to the input, and their retention bounds them).
 *
 * A record that fails to decode with a retriable error (the schema registry unreachable) fails
 * its batch, which the follower fetches again; any other decode failure skips the record and
 * reports it to `onUndecodable`.
 */
export class IdentityEventReplica<T> {
  private readonly next = new Map<string, bigint>()
  private readonly high = new Map<string, bigint>()
  private readonly lastAt = new Map<string, number>()
  private follower: { stop(): Promise<void> } | null = null
  /** Applies run one at a time (a fetch and a watermark report may arrive together). */
  private applying: Promise<void> = Promise.resolve()

  private constructor(
    private readonly topics: ReadonlyMap<string, number>,
    private readonly decode: (topic: string, value: Uint8Array) => Promise<T>,
    private readonly apply: (topic: string, events: readonly T[]) => void,
    private readonly onUndecodable: (record: UndecodableRecord) => void,
    private readonly now: () => number,
  ) {}

  static async start<T>(options: {
    /** Each topic followed and its partition count. */
    readonly topics: ReadonlyMap<string, number>
    readonly follow: FollowTopics
    readonly decode: (topic: string, value: Uint8Array) => Promise<T>
    readonly apply: (topic: string, events: readonly T[]) => void
    readonly onUndecodable?: (record: UndecodableRecord) => void
    readonly now?: () => number
  }): Promise<IdentityEventReplica<T>> {
    const replica = new IdentityEventReplica<T>(
      options.topics,
      options.decode,
      options.apply,
      options.onUndecodable ?? (() => undefined),
      options.now ?? Date.now,
    )
    replica.follower = await options.follow(
      () => null,
      (batch) => replica.enqueue(batch),
      (topic, partition) => (replica.next.get(key(topic, partition)) ?? 0n).toString(),
    )
    return replica
  }

  private enqueue(batch: TopicReplicaBatch): Promise<void> {
    const run = this.applying.then(() => this.take(batch))
    this.applying = run.catch(() => undefined)
    return run
  }

  /** Applies the records of a batch not applied yet, then moves the position past it. */
  private async take(batch: TopicReplicaBatch): Promise<void> {
    const k = key(batch.topic, batch.partition)
    const high = BigInt(batch.highWatermark)
    if (high > (this.high.get(k) ?? -1n)) this.high.set(k, high)
    const next = this.next.get(k) ?? 0n
    if (batch.lastOffset === null) {
      // nothing below the log start will ever come: a partition emptied by retention is current
      const low = batch.lowWatermark == null ? null : BigInt(batch.lowWatermark)
      if (low !== null && low > next) this.next.set(k, low)
      return
    }
    const after = BigInt(batch.lastOffset) + 1n
    if (after <= next) return
    const events: T[] = []
    for (const r of batch.records) {
      if (BigInt(r.offset) < next || r.value === null) continue
      try {
        events.push(await this.decode(batch.topic, r.value))
      } catch (error) {
        if (retriable(error)) throw error
        this.onUndecodable({
          topic: batch.topic,
          partition: batch.partition,
          offset: r.offset,
          error,
        })
      }
    }
    if (events.length > 0) this.apply(batch.topic, events)
    this.next.set(k, after)
    if (batch.lastTimestamp !== null) this.lastAt.set(k, batch.lastTimestamp)
  }

  /** Per topic and partition: offsets behind the last seen high watermark, age of the last record. */
  lag(): TopicPartitionLag[] {
    const now = this.now()
    const lags: TopicPartitionLag[] = []
    for (const [topic, partitions] of this.topics)
      for (let partition = 0; partition < partitions; partition++) {
        const k = key(topic, partition)
        const next = this.next.get(k) ?? 0n
        const high = this.high.get(k)
        const at = this.lastAt.get(k)
        lags.push({
          topic,
          partition,
          next: next.toString(),
          behind: high === undefined ? null : Number(high > next ? high - next : 0n),
          lastAppliedAgeMs: at === undefined ? null : Math.max(0, now - at),
        })
      }
    return lags
  }

  async stop(): Promise<void> {
    await this.follower?.stop()
    this.follower = null
  }
}

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`
