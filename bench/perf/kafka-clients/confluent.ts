/**
 * @confluentinc/kafka-javascript (librdkafka) through its KafkaJS-compatible API: a
 * read_committed consumer (eachBatch, autoCommit off, no cap on the batch size), one
 * transactional producer per input partition as the processor's layout has, and
 * sendOffsets({ consumer }), which sends the consumer's group metadata (KIP-447, both sides:
 * librdkafka fetches committed offsets with require_stable).
 */
import { loadClient } from './load.js'
import { Pattern, type ClientDriver, type PartitionTxns } from './pattern.js'

interface CMessage {
  readonly key: Buffer | null
  readonly value: Buffer | null
  readonly offset: string
}
interface CConsumer {
  connect(): Promise<void>
  subscribe(options: { topics: string[] }): Promise<void>
  run(options: {
    partitionsConsumedConcurrently: number
    eachBatch: (payload: {
      batch: { partition: number; messages: readonly CMessage[] }
    }) => Promise<void>
  }): Promise<void>
  disconnect(): Promise<void>
}
interface CProducer {
  connect(): Promise<void>
  transaction(): Promise<CProducer>
  send(options: { topic: string; messages: unknown[] }): Promise<unknown>
  sendOffsets(options: {
    consumer: CConsumer
    topics: { topic: string; partitions: { partition: number; offset: string }[] }[]
  }): Promise<void>
  commit(): Promise<void>
  abort(): Promise<void>
  disconnect(): Promise<void>
}
interface CKafka {
  consumer(config: Record<string, unknown>): CConsumer
  producer(config: Record<string, unknown>): CProducer
}
interface Confluent {
  KafkaJS: {
    Kafka: new (config: Record<string, unknown>) => CKafka
    logLevel: { NOTHING: number }
  }
  librdkafkaVersion: string
}

const loaded = await loadClient('@confluentinc/kafka-javascript').catch(
  (err: unknown) => err as Error,
)

/** A CommonJS package: its exports are the ES module's default. */
const confluent =
  loaded instanceof Error
    ? null
    : (((loaded.module as { default?: Confluent }).default ?? loaded.module) as Confluent)

export const driver: ClientDriver | Error =
  loaded instanceof Error
    ? loaded
    : {
        info: {
          client: '@confluentinc/kafka-javascript',
          version: `${loaded.version} (librdkafka ${confluent?.librdkafkaVersion ?? '?'}, from ${loaded.from})`,
          transactions: true,
          kip447Producer: true,
          kip447Consumer: true,
          how:
            'KafkaJS-compatible API: consumer eachBatch (read_committed, autoCommit off, ' +
            'js.consumer.max.batch.size -1, fetch.wait.max.ms 100), one transactional producer ' +
            'per partition, sendOffsets({ consumer }) in each transaction',
        },
        async run(spec, hooks) {
          const { Kafka, logLevel } = (confluent as Confluent).KafkaJS
          const kafka = new Kafka({
            kafkaJS: {
              clientId: `bench-${spec.runId}`,
              brokers: [...spec.brokers],
              logLevel: logLevel.NOTHING,
            },
          })
          const pattern = new Pattern(spec, hooks)
          const consumer = kafka.consumer({
            kafkaJS: {
              groupId: spec.groupId,
              fromBeginning: true,
              autoCommit: false,
              readUncommitted: false,
              sessionTimeout: 30_000,
              heartbeatInterval: 3_000,
              maxBytesPerPartition: spec.maxBytesPerPartition,
              maxWaitTimeInMs: 100,
            },
            'js.consumer.max.batch.size': -1,
          })
          const producers: CProducer[] = []
          for (let p = 0; p < spec.partitions; p++) {
            const producer = kafka.producer({
              kafkaJS: {
                transactionalId: `${spec.groupId}-${spec.input}-${p}`,
                idempotent: true,
                acks: -1,
              },
            })
            await producer.connect()
            producers.push(producer)
            pattern.attach(p, producerTxns(producer, consumer, spec.input, p))
          }
          hooks.onStarting()
          await consumer.connect()
          await consumer.subscribe({ topics: [spec.input] })
          await consumer.run({
            partitionsConsumedConcurrently: spec.partitions,
            eachBatch: async ({ batch }) => {
              await pattern.batch(
                batch.partition,
                batch.messages.map((m) => ({
                  key: m.key,
                  value: m.value,
                  offset: BigInt(m.offset),
                })),
              )
            },
          })
          try {
            await pattern.done
          } finally {
            pattern.stop()
            await consumer.disconnect().catch(() => undefined)
            for (const producer of producers) await producer.disconnect().catch(() => undefined)
          }
          return pattern.counts
        },
      }

function producerTxns(
  producer: CProducer,
  consumer: CConsumer,
  input: string,
  partition: number,
): PartitionTxns {
  let txn: CProducer | null = null
  const open = (): CProducer => {
    if (txn === null) throw new Error('no open transaction')
    return txn
  }
  return {
    async begin() {
      txn = await producer.transaction()
    },
    async send(records) {
      const first = records[0]
      if (first === undefined) return
      await open().send({
        topic: first.topic,
        messages: records.map((r) => ({ key: r.key, value: r.value, partition: r.partition })),
      })
    },
    async commit(nextOffset) {
      const t = open()
      await t.sendOffsets({
        consumer,
        topics: [{ topic: input, partitions: [{ partition, offset: nextOffset.toString() }] }],
      })
      await t.commit()
      txn = null
    },
  }
}
