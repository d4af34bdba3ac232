import type { AvroSchemaRegistry } from '../src/codecs/registry.js'
import { topicSubjects } from '../src/codecs/topic-schemas.js'
import type { KafkaTopicAdmin } from '../src/kafka/admin.js'
import type { Topology } from '../src/topology/file.js'

/**
 * Removes what a benchmark created under its own topic prefix: its topics and their registry
 * subjects, after disconnecting its clients. Shared by bench/e2e.ts and bench/rss.ts.
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
