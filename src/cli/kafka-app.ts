import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ConnectionOptions } from 'node:tls'
import { AvroSchemaRegistry } from '../codecs/registry.js'
import { loadSchemas } from '../codecs/schemas.js'
import { TopicCodec } from '../codecs/topic-codec.js'
import type { AppConfig } from '../config/app-config.js'
import { loadIdentityConfig } from '../config/identity-config.js'
import { createResolver, type Resolver } from '../core/resolver.js'
import { KafkaTopicAdmin } from '../kafka/admin.js'
import { createKafka } from '../kafka/client.js'
import { isProcessorTopicsError } from '../kafka/errors.js'
import { openKafkaProcessorLog } from '../kafka/processor-ports.js'
import type { Logger } from '../ports/logger.js'
import { PrefixedStore } from '../state/prefixed-store.js'
import { RocksDbStore } from '../state/rocksdb-store.js'
import { loadTopology, type Topology } from '../topology/file.js'
import { defaultTopologyFile } from '../topology/package-files.js'
import { recordLimits } from '../topology/record-limits.js'
import { TOPIC_ROLES } from '../topology/roles.js'
import { PrometheusMetrics } from '../runtime/metrics.js'
import { Processor } from '../runtime/processor.js'
import { retrying } from '../runtime/retry.js'
import { createStatePrefetcher } from '../runtime/state-prefetch.js'
import { messageOf } from '../runtime/task.js'

export interface KafkaApp {
  readonly processor: Processor
  readonly metrics: PrometheusMetrics
}

export function tlsOptions(
  ssl: AppConfig['kafka']['ssl'],
): boolean | ConnectionOptions | undefined {
  if (ssl === undefined || typeof ssl === 'boolean') return ssl
  return {
    rejectUnauthorized: ssl.rejectUnauthorized,
    ...(ssl.caFile === undefined ? {} : { ca: [readFileSync(ssl.caFile, 'utf8')] }),
    ...(ssl.certFile === undefined ? {} : { cert: readFileSync(ssl.certFile, 'utf8') }),
    ...(ssl.keyFile === undefined ? {} : { key: readFileSync(ssl.keyFile, 'utf8') }),
  }
}

/** The topology the configuration names (topics.file, else the package's), with its prefix. */
export function configuredTopology(config: AppConfig): Promise<Topology> {
  return loadTopology(
    config.topics.file ?? defaultTopologyFile(),
    config.topics.prefix === undefined ? {} : { prefix: config.topics.prefix },
  )
}

/** A Kafka client as the configuration says (brokers, TLS files, SASL); `role` names it. */
export function configuredKafka(
  config: AppConfig,
  logger: Logger,
  role?: string,
): ReturnType<typeof createKafka> {
  const ssl = tlsOptions(config.kafka.ssl)
  return createKafka({
    brokers: config.kafka.brokers,
    clientId: role === undefined ? config.kafka.clientId : `${config.kafka.clientId}-${role}`,
    logger,
    ...(ssl === undefined ? {} : { ssl }),
    ...(config.kafka.sasl === undefined ? {} : { sasl: config.kafka.sasl }),
  })
}

/** Parts a caller may supply instead of the configured ones (tests inject a failing resolver). */
export interface KafkaAppParts {
  readonly resolver?: Pick<Resolver, 'decide'>
}

/**
 * `unifier run`: the processor over Kafka, wired from one configuration. Registering the
 * schemas and finding the topics are retried while the registry or broker is unreachable.
 */
export async function startKafkaApp(
  config: AppConfig,
  logger: Logger,
  parts: KafkaAppParts = {},
): Promise<KafkaApp> {
  const identity = await loadIdentityConfig(config.identityConfig)
  const topology = await configuredTopology(config)
  const kafka = configuredKafka(config, logger)
  const registry = new AvroSchemaRegistry({ url: config.registry.url })
  const schemas = await loadSchemas()
  const onRetry = (what: string) => (err: unknown, attempt: number, delayMs: number) =>
    logger.warn({ attempt, delayMs, err: messageOf(err) }, `${what}; retrying`)
  const codec = await retrying(() => TopicCodec.start(registry, topology, schemas), {
    retriable: (err) => (err as { retriable?: unknown }).retriable === true,
    onRetry: onRetry('schema registry unreachable'),
  })
  const inputTopic = topology.byRole['contact-events'].name
  const stateTopic = topology.byRole['state-changelog'].name
  const outputTopics = TOPIC_ROLES.filter(
    (r) => r !== 'contact-events' && r !== 'state-changelog',
  ).map((r) => topology.byRole[r].name)
  const log = await retrying(
    () =>
      openKafkaProcessorLog({
        kafka,
        groupId: config.groupId,
        inputTopic,
        stateTopic,
        outputTopics,
        logger,
        sessionTimeoutMs: config.kafka.sessionTimeoutMs,
        heartbeatIntervalMs: config.kafka.heartbeatIntervalMs,
        transactionTimeoutMs: config.kafka.transactionTimeoutMs,
        maxBytesPerPartition: config.maxBytesPerPartition,
        partitionsConsumedConcurrently: topology.byRole['contact-events'].partitions,
      }),
    {
      retriable: (err) => !isProcessorTopicsError(err),
      onRetry: onRetry('Kafka unreachable'),
    },
  )
  // The limits the cluster enforces (a topic created before topics.yaml changed keeps its own).
  const admin = new KafkaTopicAdmin(kafka, config.kafka.brokers)
  const existing = await retrying(
    () => admin.describeTopics([stateTopic, ...outputTopics]).finally(() => admin.close()),
    { retriable: () => true, onRetry: onRetry('Kafka unreachable') },
  )
  let shared: Promise<RocksDbStore> | null = null
  const sharedStore = () =>
    (shared ??= RocksDbStore.open(join(config.stateDir, inputTopic), {
      writeBufferSize: config.stateWriteBufferMiB * 1024 * 1024,
    }))
  const metrics = new PrometheusMetrics()
  const processor = new Processor({
    log,
    resolver: parts.resolver ?? createResolver(identity),
    prefetch: createStatePrefetcher(identity),
    codec: {
      topicName: (role) => codec.topicName(role),
      tenantKey: (tenant) => codec.tenantKey(tenant),
      // the forms without a promise once a schema is cached (every record after the first)
      decodeContactEvent: (value) => codec.readContactEvent(value),
      encodeOutput: (record, input) => codec.writeOutput(record, input),
    },
    // One RocksDB for every partition of this process, each partition under its own key prefix:
    // one set of memtables, block cache and threads, however many partitions it is given.
    openStore: async (partition) => new PrefixedStore(await sharedStore(), `${partition}\u001e`),
    closeStores: async () => {
      if (shared !== null) await (await shared).close()
    },
    logger,
    metrics,
    commitIntervalMs: config.commitIntervalMs,
    maxTransactionEvents: config.maxTransactionEvents,
    profileChangelog: config.profileChangelog,
    maxRecordBytes: recordLimits(existing.values()),
    // one share per partition of the input topic: a member given every partition stays in budget
    cacheEntriesPerTask: Math.max(
      1_000,
      Math.floor(config.stateCacheEntries / topology.byRole['contact-events'].partitions),
    ),
  })
  await processor.start()
  return { processor, metrics }
}
