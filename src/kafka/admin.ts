import type { Admin, Kafka } from 'kafkajs'
import type { TopicSpec } from '../topology/file.js'
import type { ExistingTopic } from '../topology/plan.js'
import { loadKafkajs } from './patches/index.js'

/** What `topology apply` needs from a cluster; src/topology depends on this, not on kafkajs. */
export interface TopicAdmin {
  /** The named topics that exist, with partitions, replication factor and current configs. */
  describeTopics(names: readonly string[]): Promise<Map<string, ExistingTopic>>
  /** Creates topics; ones that appeared meanwhile are left as they are (the caller re-describes). */
  createTopics(specs: readonly TopicSpec[]): Promise<void>
  deleteTopics(names: readonly string[]): Promise<void>
  close(): Promise<void>
}

export class KafkaTopicAdmin implements TopicAdmin {
  private readonly admin: Admin
  private connected: Promise<void> | undefined

  constructor(
    kafka: Kafka,
    private readonly brokers: readonly string[] = [],
  ) {
    this.admin = kafka.admin()
  }

  private async ready(): Promise<Admin> {
    this.connected ??= this.admin.connect().catch((err: unknown) => {
      this.connected = undefined
      const reason = err instanceof Error ? err.message : String(err)
      throw new Error(`cannot connect to Kafka (${this.brokers.join(',')}): ${reason}`, {
        cause: err,
      })
    })
    await this.connected
    return this.admin
  }

  async describeTopics(names: readonly string[]): Promise<Map<string, ExistingTopic>> {
    const admin = await this.ready()
    const all = new Set(await admin.listTopics())
    const present = names.filter((n) => all.has(n))
    const result = new Map<string, ExistingTopic>()
    if (present.length === 0) return result
    const { ConfigResourceTypes } = loadKafkajs()
    const [{ topics }, configs] = await Promise.all([
      admin.fetchTopicMetadata({ topics: present }),
      admin.describeConfigs({
        resources: present.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
        includeSynonyms: false,
      }),
    ])
    const configsByTopic = new Map(
      configs.resources.map((r) => [
        r.resourceName,
        Object.fromEntries(r.configEntries.map((e) => [e.configName, e.configValue])),
      ]),
    )
    for (const topic of topics) {
      result.set(topic.name, {
        name: topic.name,
        partitions: topic.partitions.length,
        replicationFactor: Math.max(0, ...topic.partitions.map((p) => p.replicas.length)),
        configs: configsByTopic.get(topic.name) ?? {},
      })
    }
    return result
  }

  async createTopics(specs: readonly TopicSpec[]): Promise<void> {
    if (specs.length === 0) return
    const admin = await this.ready()
    await admin.createTopics({
      waitForLeaders: true,
      topics: specs.map((spec) => ({
        topic: spec.name,
        numPartitions: spec.partitions,
        replicationFactor: spec.replicationFactor,
        configEntries: Object.entries(spec.configs).map(([name, value]) => ({ name, value })),
      })),
    })
  }

  async deleteTopics(names: readonly string[]): Promise<void> {
    if (names.length === 0) return
    const admin = await this.ready()
    const all = new Set(await admin.listTopics())
    const present = names.filter((n) => all.has(n))
    if (present.length > 0) await admin.deleteTopics({ topics: present, timeout: 30_000 })
  }

  async close(): Promise<void> {
    if (this.connected) await this.admin.disconnect()
  }
}
