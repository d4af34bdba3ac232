import { randomUUID } from 'node:crypto'
import type { Kafka } from 'kafkajs'
import type { ChangelogRecord, ChangelogSource } from '../runtime/ports.js'
import type { PartitionOffsets } from './offsets.js'
import { fixedAssignment } from './fixed-assignment.js'

export interface KafkaChangelogSourceOptions {
  readonly kafka: Kafka
  readonly offsets: PartitionOffsets
  readonly topic: string
  readonly partition: number
  /** Throwaway restore groups are named after this. */
  readonly groupPrefix: string
  readonly maxBytesPerPartition?: number
}

/**
 * Reads one state-changelog partition with read_committed from an offset to the high watermark
 * seen at the start. The caller has already fenced the partition's writer, so nothing is open
 * on it and the high watermark is also the last stable offset: no committed record is missed.
 */
export class KafkaChangelogSource implements ChangelogSource {
  constructor(private readonly options: KafkaChangelogSourceOptions) {}

  async replay(
    afterOffset: string | null,
    onRecords: (records: readonly ChangelogRecord[]) => Promise<void>,
  ): Promise<void> {
    const { kafka, offsets, topic, partition } = this.options
    const { low, high } = await offsets.watermarks(topic, partition)
    const from = afterOffset === null ? BigInt(low) : maxOf(BigInt(afterOffset) + 1n, BigInt(low))
    const end = BigInt(high)
    if (from >= end) return
    const consumer = kafka.consumer({
      groupId: `${this.options.groupPrefix}-restore-${randomUUID()}`,
      partitionAssigners: [fixedAssignment('UnifierRestore', { [topic]: [partition] })],
      readUncommitted: false,
      // Every assigned partition restores at once, each with its own consumer: fetches are kept
      // small because their decoded records, not the state, set the processor's peak memory
      // (bench:rss at 1M identifiers: 8 MiB fetches peaked at 971 MiB RSS, 2 MiB at 731, with
      // restore as fast: 148k vs 159k records/s).
      maxBytesPerPartition: this.options.maxBytesPerPartition ?? 2 * 1024 * 1024,
      maxBytes: 8 * 1024 * 1024,
      maxWaitTimeInMs: 100,
    })
    let reached = from - 1n
    let failure: unknown = null
    let wake: (() => void) | null = null
    const done = new Promise<void>((resolve) => {
      wake = resolve
    })
    const check = (): void => {
      if (reached >= end - 1n || failure !== null) wake?.()
    }
    // Batches of nothing but transaction markers never reach eachBatch: count them here.
    consumer.on(consumer.events.START_BATCH_PROCESS, ({ payload }) => {
      if (payload.partition === partition && payload.batchSize === 0) {
        reached = maxOf(reached, BigInt(payload.lastOffset))
        check()
      }
    })
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      failure = payload.error
      check()
    })
    try {
      await consumer.connect()
      await consumer.subscribe({ topic, fromBeginning: true })
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch, heartbeat }) => {
          if (batch.partition !== partition) return
          const records: ChangelogRecord[] = []
          for (const m of batch.messages) {
            if (BigInt(m.offset) < from) continue
            if (m.key === null) continue
            records.push({
              offset: m.offset,
              key: m.key.toString('utf8'),
              // The fetched bytes themselves (a Buffer is a Uint8Array): the store copies them.
              value: m.value,
            })
          }
          if (records.length > 0) await onRecords(records)
          reached = maxOf(reached, BigInt(batch.lastOffset()))
          await heartbeat()
          check()
        },
      })
      if (from > BigInt(low)) consumer.seek({ topic, partition, offset: from.toString() })
      await done
      if (failure !== null) throw failure
    } finally {
      await consumer.disconnect()
    }
  }
}

function maxOf(a: bigint, b: bigint): bigint {
  return a > b ? a : b
}
