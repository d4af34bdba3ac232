import type { Admin, Kafka } from 'kafkajs'
import type { Logger } from '../ports/logger.js'
import type { ProcessorLog } from '../runtime/ports.js'
import { KafkaChangelogSource } from './changelog-source.js'
import { ProcessorTopicsError } from './errors.js'
import { GroupConsumer } from './group-consumer.js'
import { PartitionOffsets } from './offsets.js'
import { defaultPartitionOf } from './partitioner.js'
import { KafkaPartitionSink } from './transactional-sink.js'

export interface KafkaProcessorLogOptions {
  readonly kafka: Kafka
  readonly groupId: string
  readonly inputTopic: string
  readonly stateTopic: string
  readonly outputTopics: readonly string[]
  readonly logger: Logger
  readonly sessionTimeoutMs: number
  readonly heartbeatIntervalMs: number
  readonly transactionTimeoutMs: number
  readonly maxBytesPerPartition: number
  readonly partitionsConsumedConcurrently: number
}

export async function openKafkaProcessorLog(
  options: KafkaProcessorLogOptions,
): Promise<ProcessorLog> {
  const admin: Admin = options.kafka.admin()
  await admin.connect()
  const offsets = new PartitionOffsets(admin)
  const partitions = await offsets.partitionCounts([
    options.inputTopic,
    options.stateTopic,
    ...options.outputTopics,
  ])
  for (const topic of [options.inputTopic, options.stateTopic, ...options.outputTopics]) {
    if (!partitions.has(topic)) {
      await admin.disconnect()
      throw new ProcessorTopicsError(
        'topic-missing',
        `topic ${topic} does not exist (run \`unifier topology apply\`)`,
      )
    }
  }
  if (partitions.get(options.inputTopic) !== partitions.get(options.stateTopic)) {
    await admin.disconnect()
    throw new ProcessorTopicsError(
      'topics-not-copartitioned',
      `${options.stateTopic} must have as many partitions as ${options.inputTopic} (co-partitioning)`,
    )
  }
  const inputPartitions = partitions.get(options.inputTopic) as number
  const consumer = new GroupConsumer({
    kafka: options.kafka,
    groupId: options.groupId,
    topic: options.inputTopic,
    logger: options.logger,
    sessionTimeoutMs: options.sessionTimeoutMs,
    heartbeatIntervalMs: options.heartbeatIntervalMs,
    maxBytesPerPartition: options.maxBytesPerPartition,
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
  })
  return {
    start: (handlers) => consumer.start(handlers),
    seek: (partition, offset) => consumer.seek(partition, offset),
    pause: () => consumer.pause(),
    heartbeat: () => consumer.heartbeat(),
    stop: () => consumer.stop(),
    get isRunning() {
      return consumer.isRunning
    },
    openSink: (partition) =>
      KafkaPartitionSink.open({
        kafka: options.kafka,
        groupId: options.groupId,
        inputTopic: options.inputTopic,
        partition,
        partitions,
        transactionTimeoutMs: options.transactionTimeoutMs,
      }),
    changelog: (partition) =>
      new KafkaChangelogSource({
        kafka: options.kafka,
        offsets,
        topic: options.stateTopic,
        partition,
        groupPrefix: options.groupId,
      }),
    position: (partition) => ({
      async committedOffset() {
        const committed = await offsets.committed(options.groupId, options.inputTopic, partition)
        if (committed !== null) return committed
        return (await offsets.watermarks(options.inputTopic, partition)).low
      },
    }),
    close: () => admin.disconnect(),
    isFenced,
    isRecordRejected,
    ownerOf: (key) => defaultPartitionOf(key, inputPartitions),
  }
}

const FENCED = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'INVALID_PRODUCER_ID_MAPPING'])
/**
 * The broker's answers to a record it will never take, however often it is sent
 * (CORRUPT_MESSAGE is not one: a CRC error on the way is retriable).
 */
const REJECTED = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD'])

export function isFenced(err: unknown): boolean {
  return brokerErrorTypes(err).some((type) => FENCED.has(type))
}

export function isRecordRejected(err: unknown): boolean {
  return brokerErrorTypes(err).some((type) => REJECTED.has(type))
}

/** kafkajs wraps the broker's answer (type) in retry errors (originalError, cause). */
function brokerErrorTypes(err: unknown): string[] {
  const types: string[] = []
  for (let e: unknown = err, depth = 0; e !== null && typeof e === 'object' && depth < 8; depth++) {
    const { type, originalError, cause } = e as {
      type?: unknown
      originalError?: unknown
      cause?: unknown
    }
    if (typeof type === 'string') types.push(type)
    e = originalError ?? cause
  }
  return types
}
