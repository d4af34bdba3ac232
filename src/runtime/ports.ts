import type { InputRecord } from '../ports/input-record.js'

/**
 * What a partition task needs from the log it runs over. Kafka (src/kafka) and the embedded
 * level log (src/embedded) both provide these, so one Task implements exactly-once for both.
 */

export type { InputRecord } from '../ports/input-record.js'

/** An output record with its partition already chosen by the task. */
export interface OutgoingRecord {
  readonly topic: string
  readonly partition: number
  readonly key: Buffer | null
  readonly value: Buffer | null
}

/** The last offset a send wrote to one topic partition. */
export interface WrittenOffset {
  readonly topic: string
  readonly partition: number
  readonly lastOffset: string
}

/**
 * One open transaction: everything sent through it and the input position given to `commit`
 * become visible together, or (after `abort`, a crash or fencing) not at all.
 */
export interface PartitionTransaction {
  send(records: readonly OutgoingRecord[]): Promise<readonly WrittenOffset[]>
  /** Commits the sends and records `nextInputOffset` as the input position, atomically. */
  commit(nextInputOffset: string): Promise<void>
  abort(): Promise<void>
}

/**
 * The writing side of one input partition. Opening it fences every earlier writer of the same
 * partition (Kafka: the transactional id), so a zombie can no longer commit.
 */
export interface TransactionalSink {
  begin(): Promise<PartitionTransaction>
  /** Partition count of an output topic, to place records (tenant stays on one partition). */
  partitionsOf(topic: string): number
  close(): Promise<void>
}

/** One record of the state changelog: a store key and its bytes (null: deleted). */
export interface ChangelogRecord {
  readonly offset: string
  readonly key: string
  readonly value: Uint8Array | null
}

/** Reads the committed state changelog of one partition, for restore. */
export interface ChangelogSource {
  /**
   * Calls `onRecords` with every committed record after `afterOffset` (null: from the start) up to
   * the end of the partition as of the call; resolves when it has been reached.
   */
  replay(
    afterOffset: string | null,
    onRecords: (records: readonly ChangelogRecord[]) => Promise<void>,
  ): Promise<void>
}

/** Where the input of a partition was last committed (null: never; start at the beginning). */
export interface CommittedPosition {
  committedOffset(): Promise<string | null>
}

/** One fetched batch of one input partition. */
export interface FetchedBatch {
  readonly partition: number
  /** The offset the fetch started at: tells a refetch after a seek from a stale batch. */
  readonly fetchedOffset: string
  readonly highWatermark: string
  /**
   * The last offset the fetch covered, transaction markers included: the position moves past
   * it even when its last offsets hold no record to process.
   */
  readonly lastOffset: string
  readonly records: readonly InputRecord[]
}

export interface InputHandlers {
  /** The partitions this member owns after every (re)join; `generation` counts joins. */
  onAssignment(partitions: readonly number[], generation: number): void
  onBatch(batch: FetchedBatch, heartbeat: () => Promise<void>): Promise<void>
  /**
   * A fetch held only transaction markers or aborted records, from `firstOffset` through
   * `lastOffset`: nothing to process, but the position moves past them.
   */
  onSkipped(partition: number, firstOffset: string, lastOffset: string): void
}

/** Everything the processor needs from a log: the input group and per-partition ports. */
export interface ProcessorLog {
  start(handlers: InputHandlers): Promise<void>
  /** The next fetch of `partition` starts at `offset`. */
  seek(partition: number, offset: string): void
  /** No more batches; the member keeps its partitions (its tasks can still commit). */
  pause(): void
  /** Leaves the group / closes the input. */
  stop(): Promise<void>
  readonly isRunning: boolean
  /** Opens (and so fences) the partition's writer. */
  openSink(partition: number): Promise<TransactionalSink>
  changelog(partition: number): ChangelogSource
  position(partition: number): CommittedPosition
  close(): Promise<void>
  /** The error means another owner took over the partition's writer (do not reopen at once). */
  isFenced(err: unknown): boolean
  /**
   * The log refused a record of the transaction for what it is (too large, invalid): sending
   * it again cannot succeed. The processor narrows the failing transaction down to the input
   * record whose outputs were refused and dead-letters it.
   */
  isRecordRejected(err: unknown): boolean
  /** Tells the group this member is alive during long work (restore, retries); optional. */
  heartbeat?(): Promise<void>
  /**
   * The input partition that owns a key: where the default partitioner of our producers (Kafka:
   * murmur2, as kafkajs and the Java client) puts it. A record found on another partition is
   * routed there, never resolved where it landed (spec: one partition task per tenant).
   */
  ownerOf(key: Buffer): number
}
