/**
 * kafkajs as the processor uses it: the project's own adapter (src/kafka: createKafka with the
 * patches of src/kafka/patches, GroupConsumer, one KafkaPartitionSink per input partition with
 * its KIP-129 transactional id), with the processor's default settings.
 */
import { createRequire } from 'node:module'
import { createKafka } from '../../../src/kafka/client.js'
import { GroupConsumer } from '../../../src/kafka/group-consumer.js'
import { KafkaPartitionSink } from '../../../src/kafka/transactional-sink.js'
import type { PartitionTransaction } from '../../../src/runtime/ports.js'
import { quietLogger } from './logger.js'
import { Pattern, type ClientDriver, type PartitionTxns } from './pattern.js'

const require = createRequire(import.meta.url)
const { version } = require('kafkajs/package.json') as { version: string }

export const driver: ClientDriver = {
  info: {
    client: 'kafkajs',
    version,
    transactions: true,
    kip447Producer: false,
    kip447Consumer: false,
    how:
      "the project's adapter (src/kafka: patched kafkajs, GroupConsumer, a KafkaPartitionSink per " +
      'partition, KIP-129 transactional ids), partitionsConsumedConcurrently = partitions',
  },
  async run(spec, hooks) {
    const kafka = createKafka({ clientId: `bench-${spec.runId}`, brokers: spec.brokers })
    const pattern = new Pattern(spec, hooks)
    const opening = new Map<number, Promise<void>>()
    const sinks: KafkaPartitionSink[] = []
    const consumer = new GroupConsumer({
      kafka,
      groupId: spec.groupId,
      topic: spec.input,
      logger: quietLogger,
      sessionTimeoutMs: 30_000,
      heartbeatIntervalMs: 3_000,
      maxBytesPerPartition: spec.maxBytesPerPartition,
      partitionsConsumedConcurrently: spec.partitions,
    })
    const open = (partition: number): Promise<void> => {
      let pending = opening.get(partition)
      if (pending === undefined) {
        pending = KafkaPartitionSink.open({
          kafka,
          groupId: spec.groupId,
          inputTopic: spec.input,
          partition,
          partitions: new Map([[spec.output, spec.partitions]]),
          transactionTimeoutMs: 60_000,
        }).then((sink) => {
          sinks.push(sink)
          pattern.attach(partition, sinkTxns(sink))
        })
        opening.set(partition, pending)
      }
      return pending
    }
    hooks.onStarting()
    await consumer.start({
      onAssignment: (partitions) => {
        for (const p of partitions) void open(p).catch(() => undefined)
      },
      onBatch: async (batch) => {
        await open(batch.partition)
        await pattern.batch(
          batch.partition,
          batch.records.map((r) => ({ key: r.key, value: r.value, offset: BigInt(r.offset) })),
        )
      },
      onSkipped: () => undefined,
    })
    try {
      await pattern.done
    } finally {
      pattern.stop()
      await consumer.stop()
      for (const sink of sinks) await sink.close()
    }
    return pattern.counts
  },
}

function sinkTxns(sink: KafkaPartitionSink): PartitionTxns {
  let txn: PartitionTransaction | null = null
  const open = (): PartitionTransaction => {
    if (txn === null) throw new Error('no open transaction')
    return txn
  }
  return {
    async begin() {
      txn = await sink.begin()
    },
    async send(records) {
      await open().send(records)
    },
    async commit(nextOffset) {
      await open().commit(nextOffset.toString())
      txn = null
    },
  }
}
