/**
 * Records through the real registry and the real broker, as the processor and the connectors
 * send them: Avro in the Confluent wire format, keyed by tenant, read back equal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AvroSchemaRegistry } from '../../src/codecs/registry.js'
import { outputFromAvro, deadLetterFromAvro } from '../../src/codecs/records.js'
import type { InputRecord } from '../../src/ports/input-record.js'
import { loadSchemas } from '../../src/codecs/schemas.js'
import { TopicCodec } from '../../src/codecs/topic-codec.js'
import { topicSubjects } from '../../src/codecs/topic-schemas.js'
import type { ContactEvent, OutputRecord } from '../../src/core/types.js'
import { KafkaTopicAdmin } from '../../src/kafka/admin.js'
import { createKafka } from '../../src/kafka/client.js'
import { produceMessages, readTopic } from '../support/kafka-messages.js'
import { loadTopology, type Topology } from '../../src/topology/file.js'
import { defaultTopologyFile } from '../../src/topology/package-files.js'
import { kafkaBrokers, schemaRegistryUrl, uniqueName } from '../setup/kafka-kit.js'

const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'avro-roundtrip' })
const admin = new KafkaTopicAdmin(kafka)
let registry: AvroSchemaRegistry
let topology: Topology
let codec: TopicCodec

beforeAll(async () => {
  registry = new AvroSchemaRegistry({ url: schemaRegistryUrl() })
  // Small topics under a unique prefix: the shipped topology file, sized for a test.
  const loaded = await loadTopology(defaultTopologyFile(), { prefix: `${uniqueName('rt')}.` })
  topology = {
    ...loaded,
    topics: loaded.topics.map((t) => ({ ...t, partitions: 2 })),
  }
  await admin.createTopics(topology.topics)
  codec = await TopicCodec.start(registry, topology, await loadSchemas())
})

afterAll(async () => {
  await admin.deleteTopics(topology.topics.map((t) => t.name))
  await admin.close()
  for (const { subject } of topicSubjects(topology)) await registry.deleteSubject(subject)
})

const event: ContactEvent = {
  eventId: 'evt-42',
  tenant: 'retail-rocket',
  type: 'identify',
  source: 'call_center',
  timestamp: 1_763_856_000_123,
  identifiers: [
    { type: 'customer_id', value: 'C1' },
    { type: 'phone', value: '+1 555 0100' },
  ],
  attributes: { firstName: 'Ann', orderTotal: 99.5, vip: true, middleName: null },
  note: 'called about order 17',
}

describe('a ContactEvent through the registry and the broker', () => {
  it('is produced as Avro and consumed back decoded and equal', async () => {
    const message = await codec.encodeContactEvent(event)
    expect(message.topic).toBe(topology.byRole['contact-events'].name)
    await produceMessages(kafka, [message])

    const [record] = await readTopic(kafka, message.topic, { count: 1 })
    if (!record?.value || !record.key) throw new Error('nothing read')
    // Confluent wire format: magic byte 0, then the id registered for <topic>-value.
    expect(record.value[0]).toBe(0)
    expect(record.value.readInt32BE(1)).toBe(codec.schemaId('contact-events', 'value'))
    expect(record.key.readInt32BE(1)).toBe(codec.schemaId('contact-events', 'key'))

    expect(await codec.decodeContactEvent(record.value)).toEqual(event)
    expect(await codec.decode('contact-events', 'key', record.key)).toEqual({
      tenant: 'retail-rocket',
    })
  })

  it('keys by tenant: every event of one tenant lands on the same partition', async () => {
    const events = ['a', 'b', 'c', 'd'].map((id) => ({ ...event, eventId: `order-${id}` }))
    const topic = topology.byRole['contact-events'].name
    await produceMessages(kafka, await Promise.all(events.map((e) => codec.encodeContactEvent(e))))
    const records = await readTopic(kafka, topic, { count: 5 })
    expect(new Set(records.map((r) => r.partition)).size).toBe(1)
    const decoded = await Promise.all(records.map((r) => codec.decodeContactEvent(r.value)))
    expect(decoded.map((e) => e.eventId)).toEqual([
      'evt-42',
      'order-a',
      'order-b',
      'order-c',
      'order-d',
    ])
  })
})

describe('output records through the registry and the broker', () => {
  const input: InputRecord = {
    topic: 'contact-events',
    partition: 1,
    offset: '314',
    timestamp: 1_763_856_000_999,
    key: Buffer.from([0, 0, 0, 0, 7, 1]),
    value: Buffer.from('not avro at all'),
  }
  const outputs: OutputRecord[] = [
    {
      kind: 'profile',
      tenant: 'retail-rocket',
      profileId: 'p1',
      profile: {
        tenant: 'retail-rocket',
        profileId: 'p1',
        anchor: { type: 'customer_id', value: 'C1' },
        identifiers: [
          { type: 'customer_id', value: 'C1' },
          { type: 'email', value: 'ann@x.com' },
        ],
        channels: ['web'],
        attributes: { firstName: 'Ann' },
        provenance: {
          firstName: { source: 'web', timestamp: 1, eventId: 'e1', sequence: 0 },
        },
        timeline: [],
        mergedFrom: ['p2'],
        createdAt: 1,
        updatedAt: 2,
      },
    },
    { kind: 'profile', tenant: 'retail-rocket', profileId: 'p2', profile: null },
    {
      kind: 'merged',
      tenant: 'retail-rocket',
      survivor: 'p1',
      merged: 'p2',
      via: { type: 'phone', value: '+15550100' },
      eventId: 'e4',
      timestamp: 4,
    },
    {
      kind: 'reassigned',
      tenant: 'retail-rocket',
      link: { type: 'loyalty_card', value: 'L9' },
      from: 'p1',
      to: 'p7',
      eventId: 'e5',
      timestamp: 5,
    },
    {
      kind: 'deleted',
      tenant: 'retail-rocket',
      profileId: 'p7',
      suppressed: false,
      eventId: 'e6',
      timestamp: 6,
    },
    {
      kind: 'merge-refused',
      tenant: 'retail-rocket',
      target: 'p1',
      refused: 'p9',
      limitType: 'email',
      via: null,
      eventId: 'e7',
      timestamp: 7,
    },
  ]

  it('every kind reads back equal from its topic; a merged-away profile is a tombstone', async () => {
    const messages = await Promise.all(outputs.map((o) => codec.encodeOutput(o, input)))
    expect(messages[1]?.value).toBeNull()
    await produceMessages(kafka, messages)

    const changelog = await readTopic(kafka, topology.byRole['profile-changelog'].name, {
      count: 2,
    })
    const byProfile = new Map<string, OutputRecord>()
    for (const r of changelog) {
      if (!r.key) throw new Error('changelog record without key')
      const key = await codec.decode('profile-changelog', 'key', r.key)
      const value =
        r.value === null ? null : await codec.decode('profile-changelog', 'value', r.value)
      const record = outputFromAvro('profile-changelog', key, value)
      if (record.kind === 'profile') byProfile.set(record.profileId, record)
    }
    expect(byProfile.get('p1')).toEqual(outputs[0])
    expect(byProfile.get('p2')).toEqual(outputs[1])

    for (const [index, role] of [
      [2, 'profile-merged'],
      [3, 'link-reassigned'],
      [4, 'profile-deleted'],
      [5, 'merge-refused'],
    ] as const) {
      const [r] = await readTopic(kafka, topology.byRole[role].name, { count: 1 })
      if (!r?.key || !r.value) throw new Error(`nothing on ${role}`)
      const key = await codec.decode(role, 'key', r.key)
      expect(key).toEqual({ tenant: 'retail-rocket' })
      expect(outputFromAvro(role, key, await codec.decode(role, 'value', r.value))).toEqual(
        outputs[index],
      )
    }
  })

  it('a dead letter keeps the original bytes and points back at them', async () => {
    const record: OutputRecord = {
      kind: 'dead-letter',
      tenant: null,
      eventId: null,
      reason: 'undecodable',
      detail: 'first byte is 110, expected magic byte 0',
    }
    const message = await codec.encodeOutput(record, input)
    expect(message.key).toBeNull()
    await produceMessages(kafka, [message])
    const [r] = await readTopic(kafka, topology.byRole['dead-letter'].name, { count: 1 })
    if (!r?.value) throw new Error('no dead letter')
    const decoded = deadLetterFromAvro(await codec.decode('dead-letter', 'value', r.value))
    expect(decoded).toEqual({ record, input })
    expect(decoded.input.value?.toString()).toBe('not avro at all')
  })
})
