import type { Admin } from 'kafkajs'

/** Offsets the runtime reads outside a consumer: committed positions and watermarks. */
export class PartitionOffsets {
  constructor(private readonly admin: Admin) {}

  /** The group's committed offset for the partition, or null if it never committed one. */
  async committed(groupId: string, topic: string, partition: number): Promise<string | null> {
    const [entry] = await this.admin.fetchOffsets({ groupId, topics: [topic] })
    const found = entry?.partitions.find((p) => p.partition === partition)
    if (found === undefined || found.offset === '-1' || found.offset === '') return null
    return found.offset
  }

  /** Log start and high watermark of one partition. */
  async watermarks(topic: string, partition: number): Promise<{ low: string; high: string }> {
    const all = await this.admin.fetchTopicOffsets(topic)
    const found = all.find((p) => p.partition === partition)
    if (found === undefined) throw new Error(`topic ${topic} has no partition ${partition}`)
    return { low: found.low, high: found.high }
  }

  /** Partition count per topic; topics that do not exist are left out. */
  async partitionCounts(topics: readonly string[]): Promise<Map<string, number>> {
    // Metadata for a missing topic is an error (UNKNOWN_TOPIC_OR_PARTITION, which kafkajs
    // retries and then throws as retriable), so only existing topics are asked about.
    const existing = new Set(await this.admin.listTopics())
    const present = topics.filter((t) => existing.has(t))
    if (present.length === 0) return new Map()
    const { topics: meta } = await this.admin.fetchTopicMetadata({ topics: present })
    return new Map(meta.map((t) => [t.name, t.partitions.length]))
  }
}
