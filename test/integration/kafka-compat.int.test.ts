/**
 * Proves the broker and registry the suite runs against speak what the unifier needs through
 * kafkajs 2.2.4 and @kafkajs/confluent-schema-registry: plain produce/consume, consumer groups
 * resuming from committed offsets, and exactly-once transactions (docs/kafka-version.md).
 */
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry'
import type { Consumer, EachMessagePayload, Kafka } from 'kafkajs'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { schemaRegistryUrl, testKafka, uniqueName, useTestTopics } from '../setup/kafka-kit.js'

const kafka: Kafka = testKafka('kafka-compat')
const topics = useTestTopics(kafka)
const openClients: { disconnect(): Promise<void> }[] = []

afterEach(async () => {
  await Promise.all(openClients.splice(0).map((client) => client.disconnect()))
})

function track<T extends { disconnect(): Promise<void> }>(client: T): T {
  openClients.push(client)
  return client
}

/**
 * Runs `consumer` on `topic` from the beginning until `done` accepts the values seen so far.
 * Delivery is at-least-once (a rebalance while the broker warms up re-delivers uncommitted
 * records), so records are kept once per partition and offset, in offset order per partition.
 */
async function consumeUntil(
  consumer: Consumer,
  topic: string,
  done: (values: string[]) => boolean,
  beforeStop: () => Promise<void> = async () => undefined,
): Promise<string[]> {
  const seen = new Map<string, { partition: number; offset: bigint; value: string }>()
  const values = (): string[] =>
    [...seen.values()]
      .sort((a, b) => a.partition - b.partition || (a.offset < b.offset ? -1 : 1))
      .map((record) => record.value)
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachMessage: async ({ partition, message }: EachMessagePayload) => {
          seen.set(`${partition}:${message.offset}`, {
            partition,
            offset: BigInt(message.offset),
            value: message.value?.toString() ?? '',
          })
          if (done(values())) resolve()
        },
      })
      .catch(reject)
  })
  await beforeStop()
  await consumer.stop()
  return values()
}

/** Total committed offset of a group over a topic's partitions (unset partitions count 0). */
async function committedTotal(groupId: string, topic: string): Promise<number> {
  const [offsets] = await topics.admin.fetchOffsets({ groupId, topics: [topic] })
  return (offsets?.partitions ?? []).reduce(
    (sum, { offset }) => sum + Math.max(0, Number(offset)),
    0,
  )
}

/** Polls until `check` holds; the test timeout bounds the wait. */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await sleep(100)
}

describe('kafkajs against the test broker', () => {
  it('delivers produced records to a consumer group, which resumes after its committed offset', async () => {
    const [topic] = await topics.create(['compat-plain'], { numPartitions: 2 })
    const groupId = uniqueName('compat-group')
    const producer = track(kafka.producer())
    await producer.connect()
    await producer.send({
      topic: topic!,
      messages: ['a', 'b', 'c', 'd'].map((value) => ({ key: value, value })),
    })

    const first = await consumeUntil(
      track(kafka.consumer({ groupId })),
      topic!,
      (v) => v.length === 4,
      // kafkajs commits consumed offsets on its own (autoCommit); the member stays until it has.
      () => eventually(async () => (await committedTotal(groupId, topic!)) === 4),
    )
    expect([...first].sort()).toEqual(['a', 'b', 'c', 'd'])

    await producer.send({ topic: topic!, messages: [{ key: 'e', value: 'e' }] })
    // Same group, new member: it must start after what the first member committed.
    const second = await consumeUntil(track(kafka.consumer({ groupId })), topic!, (v) =>
      v.includes('e'),
    )
    expect(second).toEqual(['e'])
  })

  it('hides aborted transactions from read_committed consumers and commits offsets with the output', async () => {
    const [input, output] = await topics.create(['compat-tx-in', 'compat-tx-out'])
    const groupId = uniqueName('compat-tx-group')
    const producer = track(
      kafka.producer({
        transactionalId: uniqueName('compat-tx'),
        idempotent: true,
        maxInFlightRequests: 1,
      }),
    )
    await producer.connect()

    const committed = await producer.transaction()
    await committed.send({ topic: output!, messages: [{ value: 'committed-1' }] })
    await committed.sendOffsets({
      consumerGroupId: groupId,
      topics: [{ topic: input!, partitions: [{ partition: 0, offset: '7' }] }],
    })
    await committed.commit()

    const aborted = await producer.transaction()
    await aborted.send({ topic: output!, messages: [{ value: 'aborted' }] })
    await aborted.abort()

    const last = await producer.transaction()
    await last.send({ topic: output!, messages: [{ value: 'committed-2' }] })
    await last.commit()

    const readCommitted = await consumeUntil(
      track(kafka.consumer({ groupId: uniqueName('compat-rc'), readUncommitted: false })),
      output!,
      (v) => v.includes('committed-2'),
    )
    expect(readCommitted).toEqual(['committed-1', 'committed-2'])

    // The aborted record is in the log; only the isolation level hides it.
    const readUncommitted = await consumeUntil(
      track(kafka.consumer({ groupId: uniqueName('compat-ru'), readUncommitted: true })),
      output!,
      (v) => v.includes('committed-2'),
    )
    expect(readUncommitted).toEqual(['committed-1', 'aborted', 'committed-2'])

    const offsets = await topics.admin.fetchOffsets({ groupId, topics: [input!] })
    expect(offsets).toEqual([
      { topic: input, partitions: [{ partition: 0, offset: '7', metadata: null }] },
    ])
  })
})

describe('Confluent schema registry client against the test registry', () => {
  const schema = {
    type: 'record',
    name: 'CompatProbe',
    namespace: 'test.compat',
    fields: [{ name: 'id', type: 'string' }],
  }

  it('registers a schema whose wire-format id a fresh client resolves and decodes', async () => {
    const subject = `${uniqueName('compat')}-value`
    const writer = new SchemaRegistry({ host: schemaRegistryUrl() })
    const { id } = await writer.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
      { subject },
    )
    const bytes = await writer.encode(id, { id: 'p-1' })
    // Confluent wire format: magic byte 0, then the 4-byte big-endian schema id.
    expect(bytes.readUInt8(0)).toBe(0)
    expect(bytes.readInt32BE(1)).toBe(id)

    const reader = new SchemaRegistry({ host: schemaRegistryUrl() })
    expect(await reader.decode(bytes)).toEqual({ id: 'p-1' })
    const response = await fetch(`${schemaRegistryUrl()}/schemas/ids/${id}`)
    expect(response.status).toBe(200)
    const body = (await response.json()) as { schema: string }
    expect(JSON.parse(body.schema)).toEqual(schema)
  })

  it('gives the same id to the same schema under another subject, like Confluent', async () => {
    const registry = new SchemaRegistry({ host: schemaRegistryUrl() })
    const text = JSON.stringify({ ...schema, name: uniqueName('Probe').replaceAll('-', '_') })
    const a = await registry.register(
      { type: SchemaType.AVRO, schema: text },
      { subject: uniqueName('a') },
    )
    const b = await registry.register(
      { type: SchemaType.AVRO, schema: text },
      { subject: uniqueName('b') },
    )
    expect(b.id).toBe(a.id)
  })
})
