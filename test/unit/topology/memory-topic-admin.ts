import type { TopicAdmin } from '../../../src/kafka/admin.js'
import type { TopicSpec } from '../../../src/topology/file.js'
import type { ExistingTopic } from '../../../src/topology/plan.js'

/** The TopicAdmin port over a map: a cluster for unit tests, with its change log. */
export class MemoryTopicAdmin implements TopicAdmin {
  readonly topics = new Map<string, ExistingTopic>()
  readonly created: string[] = []
  /** Simulates another process creating a topic between our describe and our create. */
  raceOnCreate: ExistingTopic | null = null

  async describeTopics(names: readonly string[]): Promise<Map<string, ExistingTopic>> {
    return new Map(names.flatMap((n) => (this.topics.has(n) ? [[n, this.topics.get(n)!]] : [])))
  }

  async createTopics(specs: readonly TopicSpec[]): Promise<void> {
    if (this.raceOnCreate) this.topics.set(this.raceOnCreate.name, this.raceOnCreate)
    for (const spec of specs) {
      if (this.topics.has(spec.name)) continue
      this.created.push(spec.name)
      this.topics.set(spec.name, {
        name: spec.name,
        partitions: spec.partitions,
        replicationFactor: spec.replicationFactor,
        // A broker reports its defaults for every other config as well.
        configs: { 'segment.bytes': '1073741824', ...spec.configs },
      })
    }
  }

  async deleteTopics(names: readonly string[]): Promise<void> {
    for (const n of names) this.topics.delete(n)
  }

  async close(): Promise<void> {}
}
