import type { Command } from 'commander'
import type { FastifyInstance } from 'fastify'
import { pino } from 'pino'
import { startApiServer } from '../../api/server.js'
import { AccessControl, loadTokensFile } from '../../api/tokens.js'
import { loadAppConfig, type AppConfig } from '../../config/app-config.js'
import { parseBrokers } from '../../config/brokers.js'
import { loadIdentityConfig } from '../../config/identity-config.js'
import { INGEST_LIMITS } from '../../connectors/http-ingest.js'
import {
  DEFAULT_INGEST_BOUNDS,
  IngestMetrics,
  ProducerIngestSink,
  producerBufferFor,
  type IngestBounds,
} from '../../connectors/kafka-ingest-sink.js'
import { createProducer, type Producer } from '../../connectors/producer.js'
import { tenantFieldsOf } from '../../connectors/segment.js'
import type { Logger } from '../../ports/logger.js'
import { configuredTopology, tlsOptions } from '../kafka-app.js'

interface IngestFlags {
  readonly config?: string
  readonly brokers?: string
  readonly registry?: string
  readonly prefix?: string
  readonly identity?: string
  readonly port: string
  readonly host: string
  readonly tokens?: string
  readonly maxInFlightEvents: string
  readonly maxInFlightMib: string
  readonly lingerMs: string
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost'])
export const DEFAULT_INGEST_PORT = 8082

export interface IngestOptions {
  readonly config: AppConfig
  readonly host: string
  /** 0 picks a free one. */
  readonly port: number
  /** The tokens file; null: no access control (loopback only), events keep their own source. */
  readonly tokens: string | null
  readonly bounds?: IngestBounds
  /** The producer's linger (ms): how long a send waits for others to share its request. */
  readonly lingerMs?: number
  readonly logger: Logger
}

export interface StartedIngest {
  readonly server: FastifyInstance
  readonly producer: Producer
  readonly sink: ProducerIngestSink
  /** Stops taking requests, waits for the answers in progress, flushes and disconnects. */
  stop(): Promise<void>
}

/**
 * What `unifier ingest` does, as a function (the CLI, the tests and the benchmark call it): the
 * producer library connected to the configured Kafka and registry, and the API server's route
 * table with the ingest routes over it (the read routes answer 503: `unifier api` serves them).
 */
export async function startIngest(options: IngestOptions): Promise<StartedIngest> {
  const { config, logger } = options
  if (options.tokens === null && !LOOPBACK.has(options.host))
    throw new Error(`--host ${options.host}: without --tokens ingest listens on loopback only`)
  const identity = await loadIdentityConfig(config.identityConfig)
  const tokens = options.tokens === null ? null : await loadTokensFile(options.tokens)
  const topology = await configuredTopology(config)
  const bounds = options.bounds ?? DEFAULT_INGEST_BOUNDS
  const ssl = tlsOptions(config.kafka.ssl)
  const producer = await createProducer({
    brokers: config.kafka.brokers,
    registryUrl: config.registry.url,
    topic: topology.byRole['contact-events'].name,
    clientId: `${config.kafka.clientId}-ingest`,
    maxBufferedEvents: producerBufferFor(bounds, INGEST_LIMITS.maxEvents),
    logger,
    ...(options.lingerMs === undefined ? {} : { lingerMs: options.lingerMs }),
    ...(ssl === undefined ? {} : { ssl }),
    ...(config.kafka.sasl === undefined ? {} : { sasl: config.kafka.sasl }),
  })
  let status: 'running' | 'stopping' | 'stopped' = 'running'
  const metrics: IngestMetrics = new IngestMetrics(() => sink.inFlight())
  const sink: ProducerIngestSink = new ProducerIngestSink(producer, bounds, metrics)
  let server: FastifyInstance
  try {
    server = await startApiServer({
      host: options.host,
      port: options.port,
      access: tokens === null ? null : new AccessControl(tokens),
      health: () => ({ status, generation: 0, partitions: [] }),
      metrics: metrics.registry,
      ingest: () => (status === 'running' ? sink : null),
      tenantFields: (tenant) => tenantFieldsOf(identity, tenant),
      logger,
    })
  } catch (err) {
    await producer.close().catch(() => undefined)
    throw err
  }
  logger.info(
    { addresses: server.addresses(), topic: producer.topic, tokens: tokens?.length ?? 0, bounds },
    tokens === null
      ? 'HTTP ingest listening (loopback only: no tokens file)'
      : 'HTTP ingest listening',
  )
  let stopping: Promise<void> | null = null
  return {
    server,
    producer,
    sink,
    stop: () =>
      (stopping ??= (async () => {
        status = 'stopping'
        try {
          await server.close()
        } finally {
          await producer.close()
          status = 'stopped'
        }
      })()),
  }
}

const positive = (name: string, raw: string): number => {
  const n = Number(raw)
  if (!Number.isFinite(n) || n <= 0)
    throw new Error(`${name} must be a positive number, not ${raw}`)
  return n
}

/**
 * `unifier ingest`: HTTP ingest over Kafka (docs/connectors.md). The same routes, tokens and
 * answers as the embedded default's ingest, written by the producer library: 202 once Kafka
 * acknowledged every event of the request (acks all), 503 with Retry-After while the bounded
 * buffer of events on their way is full. Stateless: run as many as the load needs.
 */
export function registerIngestCommand(program: Command): void {
  program
    .command('ingest')
    .description('Serve HTTP ingest (events, events:batch, Segment-compatible calls) into Kafka')
    .option('--config <file>', 'YAML/JSON configuration file (docs/configuration.md)')
    .option('--brokers <list>', 'Kafka brokers host:port,... (KAFKA_BROKERS)')
    .option('--registry <url>', 'schema registry URL (SCHEMA_REGISTRY_URL)')
    .option('--prefix <prefix>', 'topic name prefix (UNIFIER_TOPIC_PREFIX)')
    .option('--identity <file>', 'identity config: the tenants Segment calls map to')
    .option('--port <n>', 'HTTP port (0 picks a free one)', String(DEFAULT_INGEST_PORT))
    .option('--host <addr>', 'address to listen on (loopback unless --tokens)', '127.0.0.1')
    .option('--tokens <file>', 'tokens file: hashed tokens, tenants, scopes, sources (docs/api.md)')
    .option(
      '--max-in-flight-events <n>',
      'events on their way to Kafka before requests get 503',
      String(DEFAULT_INGEST_BOUNDS.maxInFlightEvents),
    )
    .option(
      '--max-in-flight-mib <n>',
      'their bytes (as JSON), in MiB',
      String(DEFAULT_INGEST_BOUNDS.maxInFlightBytes / (1024 * 1024)),
    )
    .option('--linger-ms <ms>', "how long the producer's batches wait for more events", '5')
    .action(async (flags: IngestFlags) => {
      const config = await loadAppConfig(flags.config, process.env, {
        'kafka.brokers': flags.brokers === undefined ? undefined : parseBrokers(flags.brokers),
        'registry.url': flags.registry,
        'topics.prefix': flags.prefix,
        identityConfig: flags.identity,
      })
      const port = Number(flags.port)
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new Error(`--port must be an integer from 0 to 65535, not ${flags.port}`)
      const logger = pino({ level: config.logLevel, base: { component: 'ingest' } })
      const started = await startIngest({
        config,
        host: flags.host,
        port,
        tokens: flags.tokens ?? null,
        bounds: {
          maxInFlightEvents: Math.ceil(positive('--max-in-flight-events', flags.maxInFlightEvents)),
          maxInFlightBytes: Math.ceil(
            positive('--max-in-flight-mib', flags.maxInFlightMib) * 1024 * 1024,
          ),
          retryAfterSeconds: DEFAULT_INGEST_BOUNDS.retryAfterSeconds,
        },
        lingerMs: positive('--linger-ms', flags.lingerMs),
        logger,
      })
      await new Promise<void>((resolve) => {
        const shutdown = (signal: string): void => {
          logger.info({ signal }, 'stopping: answering the requests in progress')
          void started
            .stop()
            .catch((err: unknown) => logger.error({ err: String(err) }, 'stop failed'))
            .then(() => resolve())
        }
        process.once('SIGTERM', () => shutdown('SIGTERM'))
        process.once('SIGINT', () => shutdown('SIGINT'))
      })
      logger.info('stopped')
    })
}
