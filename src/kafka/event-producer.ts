import type { Kafka, Message, Producer } from 'kafkajs'
import { loadKafkajs } from './patches/index.js'

/** A keyed record for a plain (non-transactional) producer; the partitioner places it. */
export interface KeyedRecord {
  readonly key: Buffer
  readonly value: Buffer
}

export interface EventProducerOptions {
  /**
   * Attempts per send before it fails (kafkajs's retry count); bounded so that a send to a lost
   * broker fails instead of hanging. A failed send may still have been written: sending the
   * same events again is harmless (their eventIds make the repeat a no-op, spec rule 9).
   */
  readonly retries?: number
  readonly maxRetryTimeMs?: number
}

/**
 * The producer of the connectors (producer library, CSV import): idempotent (one in-flight
 * request, sequence numbers, so a retried request is never written twice or out of order),
 * acks from every in-sync replica, and kafkajs's default partitioner (murmur2 of the key bytes,
 * the Java client's), so a tenant's records land on the partition the processor expects.
 */
export class EventProducer {
  private constructor(private readonly producer: Producer) {}

  static async open(kafka: Kafka, options: EventProducerOptions = {}): Promise<EventProducer> {
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      retry: {
        initialRetryTime: 100,
        maxRetryTime: options.maxRetryTimeMs ?? 5_000,
        retries: options.retries ?? 10,
      },
      createPartitioner: loadKafkajs().Partitioners.DefaultPartitioner,
    })
    await producer.connect()
    return new EventProducer(producer)
  }

  /** One produce request per broker for all records; resolves once every replica has them. */
  async send(topic: string, records: readonly KeyedRecord[]): Promise<void> {
    if (records.length === 0) return
    const messages: Message[] = records.map((r) => ({ key: r.key, value: r.value }))
    await this.producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages }] })
  }

  async close(): Promise<void> {
    await this.producer.disconnect()
  }
}
