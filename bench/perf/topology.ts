import { randomBytes } from 'node:crypto'
import type { Admin, Producer } from 'kafkajs'
import { AvroSchemaRegistry } from '../../src/codecs/registry.js'
import { loadSchemas } from '../../src/codecs/schemas.js'
import { TopicCodec } from '../../src/codecs/topic-codec.js'
import { topicSubjects } from '../../src/codecs/topic-schemas.js'
import type { ContactEvent } from '../../src/core/types.js'
import { KafkaTopicAdmin } from '../../src/kafka/admin.js'
import { parseBrokers } from '../../src/config/brokers.js'
import { createKafka } from '../../src/kafka/client.js'
import { loadTopology, type Topology } from '../../src/topology/file.js'
import { defaultTopologyFile } from '../../src/topology/package-files.js'

/** The broker and registry of bench:e2e and bench:rss: the environment's, or the local stack. */
export function benchKafka(): { brokers: string[]; registryUrl: string } {
  return {
    brokers: parseBrokers(process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'),
    registryUrl: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7',
  }
}

/**
 * A benchmark's own copy of the topology under a unique topic prefix (`<label>-<time>-<hex>.`),
 * created on the broker with its schemas registered, and the clients to use it. Shared by
 * bench:e2e and bench:rss; `dropBenchTopology` removes it again.
 */
export async function openBenchTopology(options: {
  readonly label: string
  readonly brokers: readonly string[]
  readonly registryUrl: string
}) {
  const prefix = `${options.label}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}.`
  const topology = await loadTopology(defaultTopologyFile(), { prefix })
  const kafka = createKafka({ clientId: `bench-${options.label}`, brokers: options.brokers })
  const topicAdmin = new KafkaTopicAdmin(kafka)
  const admin = kafka.admin()
  await admin.connect()
  await topicAdmin.createTopics(topology.topics)
  const registry = new AvroSchemaRegistry({ url: options.registryUrl })
  const codec = await TopicCodec.start(registry, topology, await loadSchemas())
  return { prefix, topology, kafka, topicAdmin, admin, registry, codec }
}

/**
 * Removes what a benchmark created under its own topic prefix: its topics and their registry
 * subjects, after disconnecting its clients.
 */
export async function dropBenchTopology(parts: {
  readonly producer: { disconnect(): Promise<void> }
  readonly admin: { disconnect(): Promise<void> }
  readonly topicAdmin: KafkaTopicAdmin
  readonly registry: AvroSchemaRegistry
  readonly topology: Topology
}): Promise<void> {
  await parts.producer.disconnect()
  await parts.topicAdmin.deleteTopics(parts.topology.topics.map((t) => t.name))
  await parts.topicAdmin.close()
  await parts.admin.disconnect()
  for (const { subject } of topicSubjects(parts.topology))
    await parts.registry.deleteSubject(subject).catch(() => undefined)
}

/** Input records the group has committed (`done`) and not yet (`behind`), over all partitions. */
export async function groupProgress(
  admin: Admin,
  groupId: string,
  topic: string,
): Promise<{ done: number; behind: number }> {
  const [ends, [offsets]] = await Promise.all([
    admin.fetchTopicOffsets(topic),
    admin.fetchOffsets({ groupId, topics: [topic] }),
  ])
  let done = 0
  let behind = 0
  for (const end of ends) {
    const c = offsets?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1'
    const at = c === '-1' ? BigInt(end.low) : BigInt(c)
    done += Number(at - BigInt(end.low))
    behind += Number(BigInt(end.high) - at)
  }
  return { done, behind }
}

/** Offsets a topic holds (records and transaction markers), over all partitions. */
export async function topicOffsets(admin: Admin, topic: string): Promise<number> {
  const ends = await admin.fetchTopicOffsets(topic)
  return ends.reduce((sum, e) => sum + Number(BigInt(e.high) - BigInt(e.low)), 0)
}

/** Encodes `events` as the producer SDK does and sends them in one request. */
export async function produceEvents(
  producer: Pick<Producer, 'send'>,
  codec: TopicCodec,
  topic: string,
  events: readonly ContactEvent[],
): Promise<void> {
  const messages = await Promise.all(events.map((e) => codec.encodeContactEvent(e)))
  await producer.send({
    topic,
    acks: -1,
    messages: messages.map((m) => ({ key: m.key, value: m.value })),
  })
}
