import { join } from 'node:path'
import type { Command } from 'commander'
import { pino } from 'pino'
import { ProfileReadSide } from '../../api/read-side.js'
import { searchIndexedStore } from '../../api/search-index.js'
import { startApiServer } from '../../api/server.js'
import { AccessControl, loadTokensFile } from '../../api/tokens.js'
import { loadAppConfig } from '../../config/app-config.js'
import { parseBrokers } from '../../config/brokers.js'
import { loadIdentityConfig } from '../../config/identity-config.js'
import { KafkaTopicAdmin } from '../../kafka/admin.js'
import { kafkaChangelogFollower } from '../../kafka/changelog-follower.js'
import { ReplicaMetrics } from '../../runtime/replica-metrics.js'
import { StateReplica } from '../../runtime/state-replica.js'
import { RocksDbStore } from '../../state/rocksdb-store.js'
import { startHistoryReplica } from '../history-replica.js'
import { configuredKafka, configuredTopology } from '../kafka-app.js'

interface ApiFlags {
  readonly config?: string
  readonly brokers?: string
  readonly registry?: string
  readonly prefix?: string
  readonly group?: string
  readonly stateDir?: string
  readonly identity?: string
  readonly port: string
  readonly host: string
  readonly tokens?: string
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost'])

/**
 * `unifier api`: the Profile API over Kafka, as a read replica. It follows the processor's
 * state changelog (every partition, read_committed) into its own RocksDB store and answers with
 * the core's own lookups, so an answer is what the processor has committed; any number of
 * replicas can run. /health carries the replica's lag per partition, /metrics the same, and
 * every answer an `x-replica-lag` header (offsets behind, summed over partitions). The history
 * route and explain's reassignments read an in-memory index of the identity-event topics,
 * followed the same way (history-replica.ts); its lag is in /health and /metrics too.
 */
export function registerApiCommand(program: Command): void {
  program
    .command('api')
    .description('Serve the Profile API from a read replica of the processor state (Kafka mode)')
    .option('--config <file>', 'YAML/JSON configuration file (docs/configuration.md)')
    .option('--brokers <list>', 'Kafka brokers host:port,... (KAFKA_BROKERS)')
    .option('--registry <url>', "schema registry URL, as unifier run's (SCHEMA_REGISTRY_URL)")
    .option('--prefix <prefix>', 'topic name prefix (UNIFIER_TOPIC_PREFIX)')
    .option('--group <id>', "the processor's group id: names this replica's throwaway groups")
    .option('--state-dir <dir>', 'where the replica keeps its RocksDB store (UNIFIER_STATE_DIR)')
    .option('--identity <file>', 'identity config (UNIFIER_IDENTITY_CONFIG)')
    .option('--port <n>', 'HTTP port (0 picks a free one)', '8081')
    .option('--host <addr>', 'address to listen on (loopback unless --tokens)', '127.0.0.1')
    .option('--tokens <file>', 'tokens file: hashed tokens, tenants, scopes (docs/api.md)')
    .action(async (flags: ApiFlags) => {
      const config = await loadAppConfig(flags.config, process.env, {
        'kafka.brokers': flags.brokers === undefined ? undefined : parseBrokers(flags.brokers),
        'registry.url': flags.registry,
        'topics.prefix': flags.prefix,
        groupId: flags.group,
        stateDir: flags.stateDir,
        identityConfig: flags.identity,
      })
      if (flags.tokens === undefined && !LOOPBACK.has(flags.host)) {
        throw new Error(`--host ${flags.host}: without --tokens the API listens on loopback only`)
      }
      const logger = pino({ level: config.logLevel, base: { component: 'api' } })
      const identity = await loadIdentityConfig(config.identityConfig)
      const topology = await configuredTopology(config)
      const kafka = configuredKafka(config, logger, 'api')
      const stateTopic = topology.byRole['state-changelog'].name
      // the partitions the cluster has (a topic created with other counts than the file's)
      const admin = new KafkaTopicAdmin(kafka, config.kafka.brokers)
      const found = await admin.describeTopics([stateTopic]).finally(() => admin.close())
      const partitions = found.get(stateTopic)?.partitions
      if (partitions === undefined) {
        throw new Error(`topic ${stateTopic} does not exist: is the processor's topology applied?`)
      }
      const store = await RocksDbStore.open(join(config.stateDir, `replica-${stateTopic}`))
      // the search index follows what the replica applies (built by one scan, in the background)
      const { store: observed, search } = searchIndexedStore(identity, store)
      const replica = await StateReplica.start({
        store: observed,
        partitions,
        follow: kafkaChangelogFollower({
          kafka,
          topic: stateTopic,
          partitions,
          groupPrefix: config.groupId,
        }),
      })
      const history = await startHistoryReplica({ config, topology, kafka, logger })
      const metrics = new ReplicaMetrics(
        () => replica.lag(),
        () => history.replica.lag(),
      )
      const tokens = flags.tokens === undefined ? null : await loadTokensFile(flags.tokens)
      // answers read through a cache of decoded records that the applied batches keep exact
      const readSide = new ProfileReadSide(identity, store, history.index, search, {
        feed: observed,
        cachedRecords: config.apiCacheEntries,
      })
      const server = await startApiServer({
        host: flags.host,
        port: Number(flags.port),
        access: tokens === null ? null : new AccessControl(tokens),
        health: () => ({
          status: 'running',
          generation: 0,
          partitions: [],
          replica: replica.lag(),
          history: history.replica.lag(),
        }),
        metrics: metrics.registry,
        profiles: () => readSide,
        logger,
        explorer: { tenants: tokens === null ? Object.keys(identity.tenants) : [] },
        lagHeader: () => String(replica.lag().reduce((n, p) => n + (p.behind ?? 0), 0)),
      })
      logger.info(
        { addresses: server.addresses(), tokens: tokens?.length ?? 0 },
        tokens === null
          ? 'Profile API listening (loopback only: no tokens file)'
          : 'Profile API listening',
      )
      await new Promise<void>((resolve) => {
        const shutdown = (signal: string): void => {
          logger.info({ signal }, 'stopping')
          void server
            .close()
            .then(() => replica.stop())
            .then(() => history.replica.stop())
            .then(() => store.close())
            .catch((err: unknown) => logger.error({ err: String(err) }, 'stop failed'))
            .then(() => resolve())
        }
        process.once('SIGTERM', () => shutdown('SIGTERM'))
        process.once('SIGINT', () => shutdown('SIGINT'))
      })
    })
}
