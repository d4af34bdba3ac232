import { HistoryIndex } from '../api/history.js'
import {
  identityEventDecoder,
  type IdentityEventRecord,
  type IdentityEventRole,
} from '../codecs/identity-events.js'
import { AvroSchemaRegistry } from '../codecs/registry.js'
import { loadSchemas } from '../codecs/schemas.js'
import type { AppConfig } from '../config/app-config.js'
import { KafkaTopicAdmin } from '../kafka/admin.js'
import { kafkaTopicsFollower } from '../kafka/changelog-follower.js'
import type { createKafka } from '../kafka/client.js'
import type { Logger } from '../ports/logger.js'
import { IdentityEventReplica } from '../runtime/identity-event-replica.js'
import type { Topology } from '../topology/file.js'

const ROLES: readonly IdentityEventRole[] = ['profile-merged', 'link-reassigned', 'merge-refused']

export interface HistoryReplica {
  readonly index: HistoryIndex
  readonly replica: IdentityEventReplica<IdentityEventRecord>
}

/**
 * `unifier api`'s history index: an IdentityEventReplica follows the committed identity-event
 * topics of the topology (read_committed, every partition the cluster has), decodes their Avro
 * with the registry and adds each record to an in-memory HistoryIndex, so the replica answers
 * history and explain's reassignments as the embedded mode does. Starts from the topics' start.
 */
export async function startHistoryReplica(options: {
  readonly config: AppConfig
  readonly topology: Topology
  readonly kafka: ReturnType<typeof createKafka>
  readonly logger: Logger
}): Promise<HistoryReplica> {
  const { config, topology, kafka, logger } = options
  const roleOf = new Map(ROLES.map((role) => [topology.byRole[role].name, role]))
  const admin = new KafkaTopicAdmin(kafka, config.kafka.brokers)
  const found = await admin.describeTopics([...roleOf.keys()]).finally(() => admin.close())
  const topics = new Map<string, number>()
  for (const name of roleOf.keys()) {
    const partitions = found.get(name)?.partitions
    if (partitions === undefined)
      throw new Error(`topic ${name} does not exist: is the processor's topology applied?`)
    topics.set(name, partitions)
  }
  const decode = identityEventDecoder(
    new AvroSchemaRegistry({ url: config.registry.url }),
    await loadSchemas(),
  )
  const index = new HistoryIndex()
  const replica = await IdentityEventReplica.start<IdentityEventRecord>({
    topics,
    follow: kafkaTopicsFollower({
      kafka,
      topics,
      groupPrefix: config.groupId,
      name: 'history',
    }),
    decode: (topic, value) => decode(roleOf.get(topic) as IdentityEventRole, value),
    apply: (_topic, events) => {
      for (const e of events) index.add(e)
    },
    onUndecodable: ({ topic, partition, offset, error }) =>
      logger.warn(
        { topic, partition, offset, code: (error as { code?: unknown }).code ?? null },
        'identity event does not decode: left out of the history index',
      ),
  })
  return { index, replica }
}
