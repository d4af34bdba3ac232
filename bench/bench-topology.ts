import { randomBytes } from 'node:crypto'
import { AvroSchemaRegistry } from '../src/codecs/registry.js'
import { loadSchemas } from '../src/codecs/schemas.js'
import { TopicCodec } from '../src/codecs/topic-codec.js'
import { topicSubjects } from '../src/codecs/topic-schemas.js'
import { KafkaTopicAdmin } from '../src/kafka/admin.js'
import { createKafka } from '../src/kafka/client.js'
import { loadTopology, type Topology } from '../src/topology/file.js'
import { defaultTopologyFile } from '../src/topology/package-files.js'

/**
 * A benchmark's own copy of the topology under a unique topic prefix (`<label>-<time>-<hex>.`),
 * created on the broker with its schemas registered, and the clients to use it. Shared by
 * bench/e2e.ts and bench/rss.ts; `dropBenchTopology` removes it again.
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
