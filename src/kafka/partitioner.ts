import { loadKafkajs } from './patches/index.js'

/**
 * The partition kafkajs's default partitioner (murmur2 of the key, as the Java client's) gives
 * `key` on a topic of `partitions` partitions: where our producers put a tenant's events, and
 * so the partition whose task owns the tenant.
 */
export function defaultPartitionOf(key: Buffer, partitions: number): number {
  const partitioner = loadKafkajs().Partitioners.DefaultPartitioner()
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    partitionErrorCode: 0,
    replicas: [0],
    isr: [0],
  }))
  return partitioner({ topic: '', partitionMetadata, message: { key, value: null } })
}
