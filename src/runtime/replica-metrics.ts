import { Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import type { TopicPartitionLag } from './identity-event-replica.js'
import type { PartitionLag } from './state-replica.js'

/**
 * Prometheus metrics of a read replica (`unifier api`): its lag per state-changelog partition,
 * and its history index's per identity-event topic partition, read when scraped. Alert on
 * `unifier_replica_lag_offsets` staying above zero, or on
 * `unifier_replica_last_applied_age_seconds` growing while the processor commits.
 */
export class ReplicaMetrics {
  readonly registry = new Registry()

  constructor(
    lag: () => readonly PartitionLag[],
    historyLag: () => readonly TopicPartitionLag[] = () => [],
  ) {
    collectDefaultMetrics({ register: this.registry, prefix: 'unifier_' })
    new Gauge({
      name: 'unifier_replica_lag_offsets',
      help: 'State-changelog offsets not applied yet by this replica, per partition (as of its last fetch)',
      labelNames: ['partition'],
      registers: [this.registry],
      collect() {
        for (const p of lag()) {
          if (p.behind !== null) this.set({ partition: String(p.partition) }, p.behind)
        }
      },
    })
    new Gauge({
      name: 'unifier_replica_last_applied_age_seconds',
      help: 'Age of the last state-changelog record this replica applied, per partition',
      labelNames: ['partition'],
      registers: [this.registry],
      collect() {
        for (const p of lag()) {
          if (p.lastAppliedAgeMs !== null)
            this.set({ partition: String(p.partition) }, p.lastAppliedAgeMs / 1000)
        }
      },
    })
    new Gauge({
      name: 'unifier_history_index_lag_offsets',
      help: 'Identity-event offsets (profile-merged, link-reassigned, merge-refused) not in the history index yet, per topic and partition',
      labelNames: ['topic', 'partition'],
      registers: [this.registry],
      collect() {
        for (const p of historyLag()) {
          if (p.behind !== null)
            this.set({ topic: p.topic, partition: String(p.partition) }, p.behind)
        }
      },
    })
    new Gauge({
      name: 'unifier_history_index_last_applied_age_seconds',
      help: 'Age of the last identity event the history index took, per topic and partition',
      labelNames: ['topic', 'partition'],
      registers: [this.registry],
      collect() {
        for (const p of historyLag()) {
          if (p.lastAppliedAgeMs !== null)
            this.set({ topic: p.topic, partition: String(p.partition) }, p.lastAppliedAgeMs / 1000)
        }
      },
    })
  }
}
