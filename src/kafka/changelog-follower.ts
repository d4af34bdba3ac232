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
  /**
   * The partition's log start, in watermark-only reports (null otherwise): a topic with a
   * retention deletes its oldest records, and nothing before it will ever be fetched.
   */
  readonly lowWatermark?: string | null
  /** Broker timestamp of the batch's last record (ms), when it has one. */
  readonly lastTimestamp: number | null
}

/** A batch of one of the followed topics. */
export interface TopicBatch extends FollowedBatch {
  readonly topic: string
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

export interface TopicsFollowerOptions {
  readonly kafka: Kafka
  /** Each followed topic and its partition count (every partition is followed). */
  readonly topics: ReadonlyMap<string, number>
  /** The offset to read a partition from; null: the log start. */
  readonly from: (topic: string, partition: number) => string | null
  readonly groupPrefix: string
  /** Names the throwaway group (`<prefix>-<name>-<uuid>`) and its assigner. */
  readonly name: string
  readonly onBatch: (batch: TopicBatch) => Promise<void>
  /** Where to resume a partition after the group rejoins (kafkajs forgets its seeks then). */
  readonly positionOf: (topic: string, partition: number) => string
}

/** How often the high watermarks are asked for, so a partition with nothing new shows no lag. */
const WATERMARK_INTERVAL_MS = 1_000

/**
 * Follows every partition of some topics with read_committed, without end: what a standby
 * replica of Kafka Streams does, for a read side (the Profile API in Kafka mode: the state
 * changelog, and the identity-event topics its history index reads). Its throwaway group
 * commits nothing; the caller keeps its own positions.
 */
export class TopicsFollower {
  private constructor(
    private readonly consumer: Consumer,
    private readonly admin: Admin,
    private readonly timer: NodeJS.Timeout,
  ) {}

  static async start(options: TopicsFollowerOptions): Promise<TopicsFollower> {
    const { kafka, topics } = options
    const partitionsOf = (count: number) => Array.from({ length: count }, (_, p) => p)
    const consumer = kafka.consumer({
      groupId: `${options.groupPrefix}-${options.name}-${randomUUID()}`,
      partitionAssigners: [
        fixedAssignment(
          'UnifierReplica',
          Object.fromEntries([...topics].map(([topic, count]) => [topic, partitionsOf(count)])),
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
      for (const [topic, count] of topics)
        for (const p of partitionsOf(count))
          consumer.seek({ topic, partition: p, offset: options.positionOf(topic, p) })
    })
    consumer.on(consumer.events.START_BATCH_PROCESS, ({ payload }) => {
      if (payload.batchSize !== 0) return
      options
        .onBatch({
          topic: payload.topic,
          partition: payload.partition,
          records: [],
          lastOffset: payload.lastOffset,
          highWatermark: payload.highWatermark,
          lastTimestamp: null,
        })
        .catch(() => undefined) // a failed apply is retried by the next fetch's
    })
    await consumer.connect()
    await consumer.subscribe({ topics: [...topics.keys()], fromBeginning: true })
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
          topic: batch.topic,
          partition: batch.partition,
          records,
          lastOffset: batch.lastOffset(),
          highWatermark: batch.highWatermark,
          lastTimestamp: last === undefined ? null : Number(last.timestamp),
        })
        await heartbeat()
      },
    })
    for (const [topic, count] of topics)
      for (const partition of partitionsOf(count)) {
        const offset = options.from(topic, partition)
        if (offset !== null) consumer.seek({ topic, partition, offset })
      }
    const admin = kafka.admin()
    await admin.connect()
    const poll = async (): Promise<void> => {
      for (const topic of topics.keys())
        for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) {
          await options.onBatch({
            topic,
            partition,
            records: [],
            lastOffset: null,
            highWatermark: high,
            lowWatermark: low,
            lastTimestamp: null,
          })
        }
    }
    const timer = setInterval(() => void poll().catch(() => undefined), WATERMARK_INTERVAL_MS)
    void poll().catch(() => undefined)
    return new TopicsFollower(consumer, admin, timer)
  }

  async stop(): Promise<void> {
    clearInterval(this.timer)
    await this.consumer.disconnect()
    await this.admin.disconnect()
  }
}

/** Follows every partition of the state changelog (one topic of a TopicsFollower). */
export class ChangelogFollower {
  static start(options: ChangelogFollowerOptions): Promise<TopicsFollower> {
    const { topic } = options
    return TopicsFollower.start({
      kafka: options.kafka,
      topics: new Map([[topic, options.partitions]]),
      from: (_topic, partition) => options.from.get(partition) ?? null,
      groupPrefix: options.groupPrefix,
      name: 'replica',
      onBatch: ({ topic: _topic, ...batch }) => options.onBatch(batch),
      positionOf: (_topic, partition) => options.positionOf(partition),
    })
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
) => Promise<TopicsFollower> {
  return (from, onBatch, positionOf) =>
    ChangelogFollower.start({ ...options, from, onBatch, positionOf })
}

/**
 * The runtime's FollowTopics over Kafka (src/runtime/identity-event-replica.ts): one
 * throwaway group following every partition of `topics`.
 */
export function kafkaTopicsFollower(options: {
  readonly kafka: Kafka
  readonly topics: ReadonlyMap<string, number>
  readonly groupPrefix: string
  readonly name: string
}): (
  from: (topic: string, partition: number) => string | null,
  onBatch: (batch: TopicBatch) => Promise<void>,
  positionOf: (topic: string, partition: number) => string,
) => Promise<TopicsFollower> {
  return (from, onBatch, positionOf) =>
    TopicsFollower.start({ ...options, from, onBatch, positionOf })
}
