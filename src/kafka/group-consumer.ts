import type { Consumer, Kafka } from 'kafkajs'
import type { Logger } from '../ports/logger.js'
import type { InputHandlers } from '../runtime/ports.js'
import { fetchedOffsetOf } from './patches/fetched-offset.js'

export interface GroupConsumerOptions {
  readonly kafka: Kafka
  readonly groupId: string
  readonly topic: string
  readonly logger: Logger
  readonly sessionTimeoutMs: number
  readonly heartbeatIntervalMs: number
  readonly maxBytesPerPartition: number
  readonly partitionsConsumedConcurrently: number
}

/**
 * The input side: a read_committed consumer group over contact-events. Offsets are never
 * committed by the consumer itself, only inside the tasks' transactions (sendOffsets).
 */
export class GroupConsumer {
  private readonly consumer: Consumer
  private generation = 0
  private running = false
  private lastHeartbeat: (() => Promise<void>) | null = null

  constructor(private readonly options: GroupConsumerOptions) {
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      readUncommitted: false,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: options.heartbeatIntervalMs,
      maxBytesPerPartition: options.maxBytesPerPartition,
      maxWaitTimeInMs: 100,
    })
  }

  get isRunning(): boolean {
    return this.running
  }

  async start(handlers: InputHandlers): Promise<void> {
    const { topic, logger } = this.options
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      this.generation++
      const partitions = [...(payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b)
      logger.info({ partitions, generation: this.generation }, 'partitions assigned')
      handlers.onAssignment(partitions, this.generation)
    })
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      logger.error({ err: payload.error.message, restart: payload.restart }, 'consumer crashed')
      if (!payload.restart) this.running = false
    })
    this.consumer.on(this.consumer.events.START_BATCH_PROCESS, ({ payload }) => {
      if (payload.batchSize === 0 && payload.firstOffset !== null)
        handlers.onSkipped(payload.partition, payload.firstOffset, payload.lastOffset)
    })
    await this.consumer.connect()
    await this.consumer.subscribe({ topic, fromBeginning: true })
    await this.consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently,
      eachBatch: async ({ batch, heartbeat, isRunning, isStale }) => {
        this.lastHeartbeat = heartbeat
        if (!isRunning() || isStale()) return
        await handlers.onBatch(
          {
            partition: batch.partition,
            fetchedOffset: fetchedOffsetOf(batch),
            highWatermark: batch.highWatermark,
            lastOffset: batch.lastOffset(),
            records: batch.messages.map((m) => ({
              topic: batch.topic,
              partition: batch.partition,
              offset: m.offset,
              timestamp: Number(m.timestamp),
              key: m.key,
              value: m.value,
            })),
          },
          heartbeat,
        )
      },
    })
    this.running = true
  }

  /**
   * kafkajs heartbeats only between batches; a long restore runs while a batch waits for it,
   * so the restore calls this (the waiting batch's heartbeat) to keep the membership.
   */
  async heartbeat(): Promise<void> {
    await this.lastHeartbeat?.().catch(() => undefined)
  }

  /** The next fetch of `partition` starts at `offset` (in-flight batches become stale). */
  seek(partition: number, offset: string): void {
    this.consumer.seek({ topic: this.options.topic, partition, offset })
  }

  /** No more batches are handed out; the member stays in the group (its tasks can commit). */
  pause(): void {
    this.consumer.pause([{ topic: this.options.topic }])
  }

  /** Leaves the group: the partitions go to other members. */
  async stop(): Promise<void> {
    this.running = false
    await this.consumer.disconnect()
  }
}
