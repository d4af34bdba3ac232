import { Option, type Command } from 'commander'
import { pino } from 'pino'
import { startApiServer } from '../../api/server.js'
import { loadAppConfig } from '../../config/app-config.js'
import { parseBrokers } from '../../config/brokers.js'
import { loadIdentityConfig } from '../../config/identity-config.js'
import { formatEmbeddedReport } from '../../embedded/report.js'
import { runEmbedded } from '../../embedded/run-embedded.js'
import {
  PROFILE_CHANGELOG_MODES,
  type ProfileChangelogMode,
} from '../../runtime/profile-changelog.js'
import { startKafkaApp } from '../kafka-app.js'
import { DEFAULT_START } from '../sample-defaults.js'

interface RunFlags {
  readonly config?: string
  readonly brokers?: string
  readonly registry?: string
  readonly prefix?: string
  readonly group?: string
  readonly stateDir?: string
  readonly identity?: string
  readonly commitInterval?: string
  readonly profileChangelog?: ProfileChangelogMode
  readonly httpPort?: string
  readonly embedded?: boolean
  readonly input?: string
}

/** Embedded mode's defaults: the bundled sample, state under .state/embedded. */
const EMBEDDED = { stateDir: '.state/embedded' } as const

const toNumber = (v: string | undefined): number | undefined =>
  v === undefined ? undefined : Number(v)

/**
 * `unifier run`: the exactly-once stream processor over Kafka (docs/processor.md). Settings come
 * from --config, then environment variables, then these flags (docs/configuration.md).
 */
export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('Run the stream processor over Kafka (exactly once; docs/processor.md)')
    .option('--config <file>', 'YAML/JSON configuration file (docs/configuration.md)')
    .option('--brokers <list>', 'Kafka brokers host:port,... (KAFKA_BROKERS)')
    .option('--registry <url>', 'schema registry URL (SCHEMA_REGISTRY_URL)')
    .option('--prefix <prefix>', 'topic name prefix (UNIFIER_TOPIC_PREFIX)')
    .option('--group <id>', 'consumer group id (UNIFIER_GROUP_ID)')
    .option('--state-dir <dir>', 'RocksDB state directory (UNIFIER_STATE_DIR)')
    .option('--identity <file>', 'identity config (UNIFIER_IDENTITY_CONFIG)')
    .option('--commit-interval <ms>', 'transaction commit interval (UNIFIER_COMMIT_INTERVAL_MS)')
    .addOption(
      new Option(
        '--profile-changelog <mode>',
        'one profile-changelog record per profile per commit, or per change (UNIFIER_PROFILE_CHANGELOG)',
      ).choices(PROFILE_CHANGELOG_MODES),
    )
    .option('--http-port <port>', 'health and metrics port; 0 picks one (UNIFIER_HTTP_PORT)')
    .option('--embedded', 'no Kafka: the same processor over a local log under --state-dir')
    .option('--input <file>', 'embedded mode: NDJSON events to append to the local log once')
    .action(async (flags: RunFlags) => {
      if (flags.embedded === true) {
        const config = await loadIdentityConfig(flags.identity ?? DEFAULT_START.config)
        const report = await runEmbedded({
          config,
          input: flags.input ?? DEFAULT_START.input,
          stateDir: flags.stateDir ?? EMBEDDED.stateDir,
          logger: pino({ level: process.env.UNIFIER_LOG_LEVEL ?? 'warn' }),
          ...(flags.commitInterval === undefined
            ? {}
            : { commitIntervalMs: Number(flags.commitInterval) }),
          ...(flags.profileChangelog === undefined
            ? {}
            : { profileChangelog: flags.profileChangelog }),
        })
        process.stdout.write(formatEmbeddedReport(report))
        return
      }
      const config = await loadAppConfig(flags.config, process.env, {
        'kafka.brokers': flags.brokers === undefined ? undefined : parseBrokers(flags.brokers),
        'registry.url': flags.registry,
        'topics.prefix': flags.prefix,
        groupId: flags.group,
        stateDir: flags.stateDir,
        identityConfig: flags.identity,
        commitIntervalMs: toNumber(flags.commitInterval),
        profileChangelog: flags.profileChangelog,
        'http.port': toNumber(flags.httpPort),
      })
      const logger = pino({ level: config.logLevel, base: { group: config.groupId } })
      const { processor, metrics } = await startKafkaApp(config, logger)
      const server = config.http.enabled
        ? await startApiServer({
            host: config.http.host,
            port: config.http.port,
            health: () => processor.health(),
            metrics: metrics.registry,
          })
        : null
      if (server !== null) {
        logger.info({ address: server.addresses() }, 'health and metrics listening')
      }
      logger.info('processor running')
      await new Promise<void>((resolve) => {
        const shutdown = (signal: string): void => {
          logger.info({ signal }, 'stopping: committing open transactions')
          void processor
            .stop()
            .catch((err: unknown) => logger.error({ err: String(err) }, 'stop failed'))
            .then(() => server?.close())
            .then(() => resolve())
        }
        process.once('SIGTERM', () => shutdown('SIGTERM'))
        process.once('SIGINT', () => shutdown('SIGINT'))
      })
      logger.info('stopped')
    })
}
