/**
 * @platformatic/kafka 2.x: a Consumer's message stream (read_committed, no autocommit) cut into
 * batches at each turn of the event loop (the stream pushes a fetch's records together), one
 * transactional Producer per input partition (the processor's KIP-129 layout); a transaction's
 * offset goes in with addConsumer + addOffset (TxnOffsetCommit with the consumer's generation
 * and member id: KIP-447's producer side). Its consumer fetches committed offsets without
 * require_stable (KIP-447's consumer side), so a new owner does not wait for a pending
 * transactional offset commit: per-partition transactional ids stay needed for fencing.
 */
import { loadClient } from './load.js'
import { Pattern, type ClientDriver, type InRecord, type PartitionTxns } from './pattern.js'

interface PMessage {
  readonly key: Buffer | undefined
  readonly value: Buffer | undefined
  readonly partition: number
  readonly offset: bigint
}
interface PStream {
  on(event: 'data', listener: (m: PMessage) => void): void
  on(event: 'error', listener: (err: Error) => void): void
  pause(): void
  resume(): void
  close(): Promise<void>
}
interface PConsumer {
  consume(options: Record<string, unknown>): Promise<PStream>
  close(force?: boolean): Promise<void>
}
interface PTransaction {
  send(options: { messages: unknown[] }): Promise<unknown>
  addConsumer(consumer: PConsumer): Promise<void>
  addOffset(message: PMessage): Promise<void>
  commit(): Promise<void>
}
interface PProducer {
  beginTransaction(): Promise<PTransaction>
  close(force?: boolean): Promise<void>
}
interface Platformatic {
  Consumer: new (options: Record<string, unknown>) => PConsumer
  Producer: new (options: Record<string, unknown>) => PProducer
}

const loaded = await loadClient('@platformatic/kafka').catch((err: unknown) => err as Error)

export const driver: ClientDriver | Error =
  loaded instanceof Error
    ? loaded
    : {
        info: {
          client: '@platformatic/kafka',
          version: loaded.version,
          transactions: true,
          kip447Producer: true,
          kip447Consumer: false,
          how:
            'Consumer.consume stream (read_committed, autocommit off, maxWaitTime 100 ms), ' +
            'batches per event-loop turn, one transactional Producer per partition, ' +
            'addConsumer + addOffset in each transaction',
        },
        async run(spec, hooks) {
          const kafka = loaded.module as Platformatic
          const pattern = new Pattern(spec, hooks)
          const consumer = new kafka.Consumer({
            clientId: `bench-${spec.runId}`,
            bootstrapBrokers: [...spec.brokers],
            groupId: spec.groupId,
            autocommit: false,
            isolationLevel: 1, // READ_COMMITTED
            maxWaitTime: 100,
            maxBytesPerPartition: spec.maxBytesPerPartition,
            sessionTimeout: 30_000,
            heartbeatInterval: 3_000,
          })
          const producers: PProducer[] = []
          for (let p = 0; p < spec.partitions; p++) {
            const producer = new kafka.Producer({
              clientId: `bench-${spec.runId}-${p}`,
              bootstrapBrokers: [...spec.brokers],
              transactionalId: `${spec.groupId}-${spec.input}-${p}`,
              idempotent: true,
              acks: -1,
            })
            producers.push(producer)
            pattern.attach(p, producerTxns(producer, consumer))
          }
          hooks.onStarting()
          const stream = await consumer.consume({
            topics: [spec.input],
            mode: 'committed',
            fallbackMode: 'earliest',
          })
          let buffered = new Map<number, PMessage[]>()
          let scheduled = false
          let failure: Error | null = null
          stream.on('error', (err) => (failure = err))
          const flush = async (): Promise<void> => {
            scheduled = false
            const batches = buffered
            buffered = new Map()
            stream.pause()
            try {
              await Promise.all(
                [...batches].map(([partition, messages]) =>
                  pattern.batch(partition, messages.map(inRecord)),
                ),
              )
            } finally {
              stream.resume()
            }
          }
          stream.on('data', (m) => {
            let list = buffered.get(m.partition)
            if (list === undefined) buffered.set(m.partition, (list = []))
            list.push(m)
            if (!scheduled) {
              scheduled = true
              setImmediate(() => void flush().catch(() => undefined))
            }
          })
          try {
            await pattern.done
            if (failure !== null) throw failure
          } finally {
            pattern.stop()
            await stream.close().catch(() => undefined)
            await consumer.close(true).catch(() => undefined)
            for (const producer of producers) await producer.close(true).catch(() => undefined)
          }
          return pattern.counts
        },
      }

function inRecord(m: PMessage): InRecord {
  return { key: m.key ?? null, value: m.value ?? null, offset: m.offset, source: m }
}

function producerTxns(producer: PProducer, consumer: PConsumer): PartitionTxns {
  let txn: PTransaction | null = null
  const open = (): PTransaction => {
    if (txn === null) throw new Error('no open transaction')
    return txn
  }
  return {
    async begin() {
      txn = await producer.beginTransaction()
    },
    async send(records) {
      await open().send({
        messages: records.map((r) => ({
          topic: r.topic,
          partition: r.partition,
          key: r.key ?? undefined,
          value: r.value ?? undefined,
        })),
      })
    },
    async commit(_nextOffset, last) {
      const t = open()
      await t.addConsumer(consumer)
      await t.addOffset(last.source as PMessage) // commits its offset + 1
      await t.commit()
      txn = null
    },
  }
}
