import { randomUUID } from 'node:crypto'
import type { Admin, Consumer, Kafka } from 'kafkajs'
import type { ChangelogRecord } from '../runtime/ports.js'
import { fixedAssignment } from './fixed-assignment.js'

export interface FollowedBatch {
  readonly partition: number
  readonly records: readonly ChangelogRecord[]
  /** The last offset the batch covered (transaction markers included); null: watermark only. */
  readonly lastOffset: string | null
  readonly highWatermark: string
  /** Broker timestamp of the batch's last record (ms), when it has one. */
  readonly lastTimestamp: number | null
}

export interface ChangelogFollowerOptions {
  readonly kafka: Kafka
  readonly topic: string
  readonly partitions: number
  /** Per partition, the offset to read from (null: the log start). */
  readonly from: ReadonlyMap<number, string | null>
  readonly groupPrefix: string
  readonly onBatch: (batch: FollowedBatch) => Promise<void>
  /** Where to resume each partition after the group rejoins (kafkajs forgets its seeks then). */
  readonly positionOf: (partition: number) => string
}

/**
 * Follows every partition of the state changelog with read_committed, without end: what a
 * standby replica of Kafka Streams does, for a read side (the Profile API in Kafka mode). Its
 * throwaway group commits nothing; the caller keeps its own positions with the state.
 */
/** How often the high watermarks are asked for, so a partition with nothing new shows no lag. */
const WATERMARK_INTERVAL_MS = 1_000

export class ChangelogFollower {
  private constructor(
    private readonly consumer: Consumer,
    private readonly admin: Admin,
    private readonly timer: NodeJS.Timeout,
  ) {}

  static async start(options: ChangelogFollowerOptions): Promise<ChangelogFollower> {
    const { kafka, topic, partitions } = options
    const consumer = kafka.consumer({
      groupId: `${options.groupPrefix}-replica-${randomUUID()}`,
      partitionAssigners: [
        fixedAssignment(
          'UnifierReplica',
          topic,
          Array.from({ length: partitions }, (_, p) => p),
        ),
      ],
      readUncommitted: false,
      maxBytesPerPartition: 2 * 1024 * 1024,
      maxWaitTimeInMs: 100,
    })
    // A fetch of nothing but transaction markers never reaches eachBatch: the position still
    // moves past them (else a partition ending in a marker would look one behind for ever).
    // The group commits nothing: after a rejoin kafkajs would start over from the beginning.
    let joins = 0
    consumer.on(consumer.events.GROUP_JOIN, () => {
      if (++joins === 1) return
      for (let p = 0; p < partitions; p++) {
        consumer.seek({ topic, partition: p, offset: options.positionOf(p) })
      }
    })
    consumer.on(consumer.events.START_BATCH_PROCESS, ({ payload }) => {
      if (payload.batchSize !== 0) return
      options
        .onBatch({
          partition: payload.partition,
          records: [],
          lastOffset: payload.lastOffset,
          highWatermark: payload.highWatermark,
          lastTimestamp: null,
        })
        .catch(() => undefined) // a failed apply is retried by the next fetch's
    })
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: true })
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch, heartbeat }) => {
        const records: ChangelogRecord[] = []
        for (const m of batch.messages) {
          if (m.key === null) continue
          records.push({ offset: m.offset, key: m.key.toString('utf8'), value: m.value })
        }
        const last = batch.messages.at(-1)
        await options.onBatch({
          partition: batch.partition,
          records,
          lastOffset: batch.lastOffset(),
          highWatermark: batch.highWatermark,
          lastTimestamp: last === undefined ? null : Number(last.timestamp),
        })
        await heartbeat()
      },
    })
    for (const [partition, offset] of options.from) {
      if (offset !== null) consumer.seek({ topic, partition, offset })
    }
    const admin = kafka.admin()
    await admin.connect()
    const poll = async (): Promise<void> => {
      for (const { partition, high } of await admin.fetchTopicOffsets(topic)) {
        await options.onBatch({
          partition,
          records: [],
          lastOffset: null,
          highWatermark: high,
          lastTimestamp: null,
        })
      }
    }
    const timer = setInterval(() => void poll().catch(() => undefined), WATERMARK_INTERVAL_MS)
    void poll().catch(() => undefined)
    return new ChangelogFollower(consumer, admin, timer)
  }

  async stop(): Promise<void> {
    clearInterval(this.timer)
    await this.consumer.disconnect()
    await this.admin.disconnect()
  }
}

/** The runtime's FollowChangelog over Kafka (src/runtime/state-replica.ts). */
export function kafkaChangelogFollower(options: {
  readonly kafka: Kafka
  readonly topic: string
  readonly partitions: number
  readonly groupPrefix: string
}): (
  from: ReadonlyMap<number, string | null>,
  onBatch: (batch: FollowedBatch) => Promise<void>,
  positionOf: (partition: number) => string,
) => Promise<ChangelogFollower> {
  return (from, onBatch, positionOf) =>
    ChangelogFollower.start({ ...options, from, onBatch, positionOf })
}
