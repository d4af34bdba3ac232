import { randomUUID } from 'node:crypto'
import type { Kafka } from 'kafkajs'
import type { InputRecord } from '../../src/ports/input-record.js'

/**
 * Plain produce and read-back for integration tests, on a client from src/kafka's createKafka.
 * The processor's transactional pipeline does not use these.
 */

export interface OutgoingMessage {
  readonly topic: string
  readonly key: Buffer | null
  readonly value: Buffer | null
}

/** Sends in order, acks=all, idempotent: a retried send is not duplicated. */
export async function produceMessages(
  kafka: Kafka,
  messages: readonly OutgoingMessage[],
): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  try {
    for (const m of messages) {
      await producer.send({ topic: m.topic, acks: -1, messages: [{ key: m.key, value: m.value }] })
    }
  } finally {
    await producer.disconnect()
  }
}

export interface ReadOptions {
  /** Stop after this many records. */
  readonly count: number
  /** Give up (rejecting, with how many arrived) after this long. */
  readonly timeoutMs?: number
}

/** Reads `topic` from the beginning with a throwaway consumer group until `count` records. */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  options: ReadOptions,
): Promise<InputRecord[]> {
  const consumer = kafka.consumer({ groupId: `unifier-read-${randomUUID()}` })
  const records: InputRecord[] = []
  await consumer.connect()
  try {
    await consumer.subscribe({ topic, fromBeginning: true })
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`read ${records.length} of ${options.count} records from ${topic} in time`),
          ),
        options.timeoutMs ?? 30_000,
      )
      consumer
        .run({
          eachMessage: async ({ topic: t, partition, message }) => {
            if (records.length >= options.count) return
            records.push({
              topic: t,
              partition,
              offset: message.offset,
              timestamp: Number(message.timestamp),
              key: message.key,
              value: message.value,
            })
            if (records.length >= options.count) {
              clearTimeout(timer)
              resolve()
            }
          },
        })
        .catch((err: unknown) => {
          clearTimeout(timer)
          reject(err instanceof Error ? err : new Error(String(err)))
        })
    })
  } finally {
    await consumer.disconnect()
  }
  return records
}
