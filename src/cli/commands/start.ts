import type { Command } from 'commander'
import { pino } from 'pino'
import { HistoryIndex } from '../../api/history.js'
import { ProfileReadSide } from '../../api/read-side.js'
import { SearchIndex } from '../../api/search-index.js'
import { startApiServer } from '../../api/server.js'
import { AccessControl, loadTokensFile } from '../../api/tokens.js'
import { loadIdentityConfig } from '../../config/identity-config.js'
import { tenantFieldsOf } from '../../connectors/segment.js'
import type { Logger } from '../../ports/logger.js'
import { formatEmbeddedReport } from '../../embedded/report.js'
import { EmbeddedService } from '../../embedded/run-embedded.js'
import { PrometheusMetrics } from '../../runtime/metrics.js'
import { DEFAULT_START, shown } from '../sample-defaults.js'

interface StartFlags {
  readonly config: string
  readonly input: string
  readonly stateDir?: string
  /** The older name of --state-dir. */
  readonly state?: string
  readonly port: string
  readonly host: string
  readonly tokens?: string
  /** commander's --no-serve: false when given. */
  readonly serve: boolean
}

/** Embedded state lives apart from `unifier resolve --state` stores (a different layout). */
const DEFAULT_STATE = '.state/embedded'
export const DEFAULT_PORT = 8080
/** Without a tokens file the API listens here only (docs/api.md, "Access"). */
const LOOPBACK = '127.0.0.1'

export interface StartOptions {
  readonly config: string
  readonly input: string | null
  readonly stateDir: string
  /** null: no server (--no-serve); 0 picks a free port. */
  readonly port: number | null
  /** Default 127.0.0.1; another address only with `tokens`. */
  readonly host?: string
  /** The tokens file: tenant routes then need a bearer token. */
  readonly tokens?: string | null
  readonly out: (text: string) => void
  readonly logger: Logger
  readonly version?: string
}

export interface StartedEmbedded {
  /** The API's base URL, or null with --no-serve. */
  readonly url: string | null
  /** The running service (null with --no-serve, which has stopped it). */
  readonly service: EmbeddedService | null
  /** Closes the server, commits what is open and closes the state. */
  stop(): Promise<void>
}

/**
 * What `unifier start` does, as a function (the CLI and the tests call it): import the input
 * into the local log once, resolve it, print the summary; then, unless `port` is null, serve the
 * Profile API over the committed state while the processor goes on with whatever the log
 * receives. The caller stops it (the CLI on SIGINT/SIGTERM).
 */
export async function startEmbedded(options: StartOptions): Promise<StartedEmbedded> {
  const host = options.host ?? LOOPBACK
  const tokensFile = options.tokens ?? null
  if (tokensFile === null && !isLoopback(host))
    throw new Error(
      `--host ${host} needs --tokens FILE: without tokens the API listens on loopback only`,
    )
  const config = await loadIdentityConfig(options.config)
  const tokens = tokensFile === null ? null : await loadTokensFile(tokensFile)
  options.out(
    [
      'Profile Unifier, embedded mode (no Kafka)',
      `  events  ${options.input === null ? '-' : shown(options.input)}`,
      `  config  ${shown(options.config)}`,
      `  state   ${shown(options.stateDir)} (local log + RocksDB; a restart continues from the last commit; delete it to start over)`,
      '',
    ].join('\n'),
  )
  const metrics = new PrometheusMetrics()
  const service = await EmbeddedService.start({
    config,
    input: options.input,
    stateDir: options.stateDir,
    logger: options.logger,
    metrics,
  })
  try {
    await service.caughtUp()
    const report = await service.report()
    options.out(formatEmbeddedReport(report))
    if (options.port === null) {
      await service.stop()
      return { url: null, service: null, stop: async () => undefined }
    }
    const search = SearchIndex.open({
      config,
      store: service.store,
      subscribe: (listener) => service.onStateWrite(listener),
    })
    // small stores index in a moment: the first search after start then answers
    await search.ready
    const readSide = new ProfileReadSide(
      config,
      service.store,
      new HistoryIndex(service.identityEvents()),
      search,
      { feed: service.stateWrites },
    )
    const server = await startApiServer({
      host,
      access: tokens === null ? null : new AccessControl(tokens),
      port: options.port,
      health: () => service.health(),
      metrics: metrics.registry,
      profiles: () => readSide,
      tenantFields: (tenant) => tenantFieldsOf(config, tenant),
      // HTTP ingest: 202 once the local log holds the events; the processor picks them up
      ingest: () => ({
        append: async (events) => {
          await service.append(events.map((e) => JSON.stringify(e)))
        },
      }),
      logger: options.logger,
      // the explorer's tenant picker: the tenants with profiles, then those the config names;
      // with tokens none (a token's holder types its tenant)
      explorer: {
        tenants:
          tokens === null
            ? [
                ...new Set([
                  ...report.profiles.map((p) => p.tenant),
                  ...Object.keys(config.tenants),
                ]),
              ]
            : [],
      },
      ...(options.version === undefined ? {} : { version: options.version }),
    })
    const address = server.server.address()
    const shownHost = host.includes(':') ? `[${host}]` : host
    const url = `http://${shownHost}:${typeof address === 'object' && address !== null ? address.port : options.port}`
    options.out(
      [
        '',
        `Profile API on ${url}  (Ctrl-C stops)`,
        `  ${url}/v1/tenants/acme/identifiers/email/ann%40x.com`,
        `  ${url}/v1/tenants/acme/explain?a=customer_id:C1&b=loyalty_card:L9`,
        `  ${url}/openapi.json   ${url}/health`,
        tokens === null
          ? '  no tokens file: listening on loopback only, every tenant readable by anyone on this machine (docs/api.md)'
          : `  ${tokens.length} token(s) from ${shown(tokensFile as string)}: tenant routes need Authorization: Bearer <token>`,
        '',
      ].join('\n'),
    )
    let stopping: Promise<void> | null = null
    return {
      url,
      service,
      stop: () =>
        (stopping ??= (async () => {
          try {
            await server.close()
          } finally {
            await service.stop()
          }
        })()),
    }
  } catch (err) {
    await service.stop().catch(() => undefined)
    throw err
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

/**
 * `npm start`: embedded mode, no Kafka. The stream processor's own partition task runs over a
 * durable local log (level) and RocksDB under --state-dir: the bundled sample (or --input) is
 * appended to the log once, resolved exactly once, and the profiles, merges and reassignments
 * printed; then the Profile API serves the result on http://127.0.0.1:PORT until Ctrl-C.
 * A restart continues from the last commit instead of starting over.
 */
export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description(
      'Embedded mode, no Kafka: resolve the bundled sample events, print the profiles, serve the Profile API',
    )
    .option('--config <file>', 'identity config', DEFAULT_START.config)
    .option('--input <file>', 'NDJSON events, appended to the local log once', DEFAULT_START.input)
    .option(
      '--state-dir <dir>',
      `local log and RocksDB state, kept between runs (default: ${DEFAULT_STATE})`,
    )
    .option('--state <dir>', 'the same as --state-dir (its older name)')
    .option('--port <n>', 'Profile API port on 127.0.0.1; 0 picks a free one', String(DEFAULT_PORT))
    .option(
      '--host <address>',
      'address to listen on; other than loopback only with --tokens',
      LOOPBACK,
    )
    .option('--tokens <file>', 'API tokens file (hashes): tenant routes then need a bearer token')
    .option('--no-serve', 'print the summary and exit instead of serving the API')
    .action(async (flags: StartFlags) => {
      const port = Number(flags.port)
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new Error(`--port must be an integer from 0 to 65535, not ${flags.port}`)
      const logger = pino({ level: 'warn' })
      const started = await startEmbedded({
        config: flags.config,
        input: flags.input,
        stateDir: flags.stateDir ?? flags.state ?? DEFAULT_STATE,
        port: flags.serve ? port : null,
        host: flags.host,
        tokens: flags.tokens ?? null,
        out: (text) => process.stdout.write(text),
        logger,
      })
      if (started.url === null) return
      await new Promise<void>((resolve) => {
        const shutdown = (): void => {
          process.stdout.write('stopping: committing and closing the state\n')
          void started
            .stop()
            .catch((err: unknown) => logger.error({ err: String(err) }, 'stop failed'))
            .then(() => resolve())
        }
        process.once('SIGTERM', shutdown)
        process.once('SIGINT', shutdown)
      })
    })
}
