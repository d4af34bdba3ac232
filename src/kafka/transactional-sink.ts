import type { Kafka, Message, Producer, RecordMetadata, Transaction } from 'kafkajs'
import type {
  OutgoingRecord,
  PartitionTransaction,
  TransactionalSink,
  WrittenOffset,
} from '../runtime/ports.js'
import { loadKafkajs } from './patches/index.js'

export interface PartitionSinkOptions {
  readonly kafka: Kafka
  readonly groupId: string
  readonly inputTopic: string
  readonly partition: number
  /** Partition counts of every output topic. */
  readonly partitions: ReadonlyMap<string, number>
  /** How long the coordinator lets a transaction stay open before aborting it. */
  readonly transactionTimeoutMs: number
}

/**
 * The KIP-129 scheme: kafkajs commits offsets with TxnOffsetCommit v0/v1 (no KIP-447 group
 * fencing), so zombies are fenced by the transactional id alone. One id per input partition
 * means whoever processes the partition next initialises the same id, which bumps the epoch,
 * aborts the zombie's open transaction and makes its later sends and commit fail.
 */
export function transactionalIdFor(groupId: string, topic: string, partition: number): string {
  return `${groupId}-${topic}-${partition}`
}

/** Records per produce request are capped by bytes so no partition batch nears message.max.bytes. */
const MAX_BYTES_PER_SEND = 512 * 1024
/**
 * …and by count: kafkajs groups a send's messages by partition with an array spread per message
 * (quadratic in the messages of one partition), which made a 3,000-record state-changelog send
 * cost more in copying and GC than in encoding.
 */
const MAX_RECORDS_PER_SEND = 1_000

export class KafkaPartitionSink implements TransactionalSink {
  private constructor(
    private readonly producer: Producer,
    private readonly options: PartitionSinkOptions,
  ) {}

  /** Opening initialises the transactional id: earlier owners are fenced from here on. */
  static async open(options: PartitionSinkOptions): Promise<KafkaPartitionSink> {
    const producer = options.kafka.producer({
      transactionalId: transactionalIdFor(options.groupId, options.inputTopic, options.partition),
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: options.transactionTimeoutMs,
      // The first AddPartitionsToTxn after a commit is answered CONCURRENT_TRANSACTIONS until the
      // coordinator has written the previous markers (a few ms). kafkajs's default first retry
      // waits 300 ms, which would stall every transaction: retry fast, then back off.
      // kafkajs warns that limited retries "may invalidate EoS guarantees": not here, because a
      // send that runs out of retries fails the transaction, which the task aborts and redoes
      // from the last committed offset (src/runtime/task.ts); nothing is half-committed.
      // Unlimited retries would silence it but let a send to a lost broker hang forever, so
      // createKafka (./client.ts) replaces that warning with one line of ours.
      retry: { initialRetryTime: 20, maxRetryTime: 5_000, retries: 10 },
      // Every record names its partition, so the partitioner is never asked; naming kafkajs's
      // default keeps kafkajs from warning at start that its default changed in v2.
      createPartitioner: loadKafkajs().Partitioners.DefaultPartitioner,
    })
    await producer.connect()
    // kafkajs sends InitProducerId for the transactional id only on the first transaction(),
    // not on connect(). Begin and drop an empty one now, so the fencing (and the completion of
    // the previous owner's open transaction) happens before the caller restores state and reads
    // the committed offset, never after.
    await (await producer.transaction()).abort()
    return new KafkaPartitionSink(producer, options)
  }

  partitionsOf(topic: string): number {
    const count = this.options.partitions.get(topic)
    if (count === undefined) throw new Error(`unknown output topic ${topic}`)
    return count
  }

  async begin(): Promise<PartitionTransaction> {
    return new KafkaTransaction(await this.producer.transaction(), this.options)
  }

  async close(): Promise<void> {
    await this.producer.disconnect()
  }
}

class KafkaTransaction implements PartitionTransaction {
  constructor(
    private readonly txn: Transaction,
    private readonly options: PartitionSinkOptions,
  ) {}

  async send(records: readonly OutgoingRecord[]): Promise<readonly WrittenOffset[]> {
    const last = new Map<string, WrittenOffset>()
    for (const chunk of chunksOf(records)) {
      const byTopic = new Map<string, Message[]>()
      const counts = new Map<string, number>()
      for (const r of chunk) {
        let messages = byTopic.get(r.topic)
        if (messages === undefined) byTopic.set(r.topic, (messages = []))
        messages.push({ key: r.key, value: r.value, partition: r.partition })
        const tp = `${r.topic}\u0000${r.partition}`
        counts.set(tp, (counts.get(tp) ?? 0) + 1)
      }
      const metadata: RecordMetadata[] = await this.txn.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      })
      for (const m of metadata) {
        const count = counts.get(`${m.topicName}\u0000${m.partition}`) ?? 0
        if (m.baseOffset === undefined || count === 0) continue
        const lastOffset = (BigInt(m.baseOffset) + BigInt(count) - 1n).toString()
        last.set(`${m.topicName}\u0000${m.partition}`, {
          topic: m.topicName,
          partition: m.partition,
          lastOffset,
        })
      }
    }
    return [...last.values()]
  }

  async commit(nextInputOffset: string): Promise<void> {
    await this.txn.sendOffsets({
      consumerGroupId: this.options.groupId,
      topics: [
        {
          topic: this.options.inputTopic,
          partitions: [{ partition: this.options.partition, offset: nextInputOffset }],
        },
      ],
    })
    await this.txn.commit()
  }

  async abort(): Promise<void> {
    await this.txn.abort()
  }
}

/** A send's records in the chunks the sink sends them in (the bounds above). */
export function* chunksOf(records: readonly OutgoingRecord[]): Generator<OutgoingRecord[]> {
  let chunk: OutgoingRecord[] = []
  let bytes = 0
  for (const r of records) {
    const size = (r.key?.length ?? 0) + (r.value?.length ?? 0) + 64
    if (
      chunk.length > 0 &&
      (bytes + size > MAX_BYTES_PER_SEND || chunk.length >= MAX_RECORDS_PER_SEND)
    ) {
      yield chunk
      chunk = []
      bytes = 0
    }
    chunk.push(r)
    bytes += size
  }
  if (chunk.length > 0) yield chunk
}
