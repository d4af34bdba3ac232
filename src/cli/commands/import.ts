import { basename, resolve } from 'node:path'
import { Option, type Command } from 'commander'
import { pino } from 'pino'
import { loadAppConfig } from '../../config/app-config.js'
import { parseBrokers } from '../../config/brokers.js'
import { loadIdentityConfig } from '../../config/identity-config.js'
import { EMPTY_MAPPING, loadMapping } from '../../connectors/csv-mapping.js'
import { parseTimestamp } from '../../connectors/csv-events.js'
import {
  formatCsvSummary,
  runCsvImport,
  type CsvFormat,
  type CsvSink,
} from '../../connectors/csv-import.js'
import { embeddedCsvSink, kafkaCsvSink } from '../../connectors/csv-sinks.js'
import { createProducer } from '../../connectors/producer.js'
import { configuredTopology, tlsOptions } from '../kafka-app.js'
import { DEFAULT_START } from '../sample-defaults.js'

interface ImportCsvFlags {
  readonly tenant: string
  readonly source: string
  readonly format: CsvFormat
  readonly mapping?: string
  readonly errors?: string
  readonly timestamp?: string
  readonly embedded?: boolean
  readonly stateDir?: string
  readonly identity?: string
  readonly config?: string
  readonly brokers?: string
  readonly registry?: string
  readonly prefix?: string
}

/** Where `unifier start` keeps its log by default (src/cli/commands/start.ts). */
const EMBEDDED_STATE = '.state/embedded'

/**
 * `unifier import csv FILE|-`: CSV rows as identify events, to Kafka (settings as `unifier run`:
 * --config, environment, flags) or to the embedded log (--embedded). docs/connectors.md.
 */
export function registerImportCommand(program: Command): void {
  const command = program.command('import').description('Import contact data from files')
  command
    .command('csv <file>')
    .description(
      "CSV rows as identify events, to Kafka or the embedded log; '-' reads stdin (docs/connectors.md)",
    )
    .requiredOption('--tenant <tenant>', 'the tenant every row belongs to')
    .requiredOption('--source <source>', 'the source (channel) of every row, e.g. crm')
    .addOption(
      new Option('--format <format>', 'long: customerId,fieldName,fieldValue; wide: a header row')
        .choices(['long', 'wide'])
        .default('long'),
    )
    .option('--mapping <file>', 'YAML/JSON: customerId type and field/column names')
    .option(
      '--errors <file>',
      'bad rows as NDJSON {line, reason, detail} (default: <file>.errors.ndjson in the working directory)',
    )
    .option(
      '--timestamp <time>',
      'event time of rows without a timestamp column (ISO-8601 or epoch ms; default: now)',
    )
    .option('--embedded', 'append to the embedded log under --state-dir instead of Kafka')
    .option(
      '--state-dir <dir>',
      `embedded mode: the state directory of unifier start (default ${EMBEDDED_STATE})`,
    )
    .option(
      '--identity <file>',
      'identity config (UNIFIER_IDENTITY_CONFIG; embedded default: the sample)',
    )
    .option('--config <file>', 'Kafka mode: configuration file, as unifier run')
    .option('--brokers <list>', 'Kafka brokers host:port,... (KAFKA_BROKERS)')
    .option('--registry <url>', 'schema registry URL (SCHEMA_REGISTRY_URL)')
    .option('--prefix <prefix>', 'topic name prefix (UNIFIER_TOPIC_PREFIX)')
    .action(async (file: string, flags: ImportCsvFlags) => {
      const timestamp = flags.timestamp === undefined ? undefined : parseTimestamp(flags.timestamp)
      if (timestamp === null) {
        throw new Error(
          `--timestamp must be ISO-8601 or epoch milliseconds, got "${flags.timestamp}"`,
        )
      }
      const mapping = flags.mapping === undefined ? EMPTY_MAPPING : await loadMapping(flags.mapping)
      let identityPath: string
      let sink: CsvSink
      if (flags.embedded === true) {
        identityPath = flags.identity ?? process.env.UNIFIER_IDENTITY_CONFIG ?? DEFAULT_START.config
        sink = await embeddedCsvSink(flags.stateDir ?? EMBEDDED_STATE)
      } else {
        const config = await loadAppConfig(flags.config, process.env, {
          'kafka.brokers': flags.brokers === undefined ? undefined : parseBrokers(flags.brokers),
          'registry.url': flags.registry,
          'topics.prefix': flags.prefix,
          identityConfig: flags.identity,
        })
        identityPath = config.identityConfig
        const logger = pino({ level: config.logLevel })
        const ssl = tlsOptions(config.kafka.ssl)
        // the input topic as `unifier run` reads it: topics.file, prefix included
        const topology = await configuredTopology(config)
        sink = kafkaCsvSink(
          await createProducer({
            brokers: config.kafka.brokers,
            registryUrl: config.registry.url,
            topic: topology.byRole['contact-events'].name,
            clientId: `${config.kafka.clientId}-import`,
            ...(ssl === undefined ? {} : { ssl }),
            ...(config.kafka.sasl === undefined ? {} : { sasl: config.kafka.sasl }),
            logger,
          }),
        )
      }
      try {
        const summary = await runCsvImport({
          input: file,
          tenant: flags.tenant,
          source: flags.source,
          format: flags.format,
          mapping,
          identity: await loadIdentityConfig(identityPath),
          ...(timestamp === undefined ? {} : { timestamp }),
          errorsPath: resolve(
            flags.errors ?? `${file === '-' ? 'stdin' : basename(file)}.errors.ndjson`,
          ),
          sink,
        })
        process.stderr.write(formatCsvSummary(summary))
        if (summary.errorRows > 0) process.exitCode = 2
      } finally {
        await sink.close()
      }
    })
}
