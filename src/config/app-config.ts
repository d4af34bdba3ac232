import { readFile } from 'node:fs/promises'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { parseBrokers } from './brokers.js'

/**
 * The processor's configuration (docs/configuration.md): an optional YAML/JSON file, then
 * environment overrides, validated once at start. Nothing below the CLI reads process.env.
 */

/**
 * When a partition task commits, in Kafka and in the embedded mode alike: 50 ms was chosen by
 * bench:e2e (docs/benchmarks.md); the event cap only matters for a backlog.
 */
export const COMMIT_DEFAULTS = { intervalMs: 50, maxTransactionEvents: 20_000 } as const

const sasl = z.discriminatedUnion('mechanism', [
  z.object({
    mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
    username: z.string().min(1),
    password: z.string().min(1),
  }),
  z.object({
    mechanism: z.literal('aws'),
    authorizationIdentity: z.string(),
    accessKeyId: z.string(),
    secretAccessKey: z.string(),
    sessionToken: z.string().optional(),
  }),
])

const tls = z.union([
  z.boolean(),
  z.object({
    /** PEM files; read at start and passed to kafkajs (Node tls options). */
    caFile: z.string().optional(),
    certFile: z.string().optional(),
    keyFile: z.string().optional(),
    rejectUnauthorized: z.boolean().default(true),
  }),
])

export const appConfigSchema = z
  .object({
    kafka: z
      .object({
        brokers: z.array(z.string().min(1)).min(1),
        clientId: z.string().default('profile-unifier'),
        ssl: tls.optional(),
        sasl: sasl.optional(),
        // 10 s and 10 s: chosen by bench:fencing (docs/processor.md, "Fencing delay")
        sessionTimeoutMs: z.number().int().min(6_000).default(10_000),
        heartbeatIntervalMs: z.number().int().min(100).default(3_000),
        transactionTimeoutMs: z.number().int().min(1_000).default(10_000),
      })
      .strict(),
    registry: z.object({ url: z.url() }).strict(),
    topics: z
      .object({
        /** Topology file (default: the one shipped in topology/). */
        file: z.string().optional(),
        prefix: z.string().optional(),
      })
      .strict()
      .default({}),
    groupId: z.string().min(1).default('profile-unifier'),
    stateDir: z.string().min(1).default('.state/processor'),
    /** Identity config (YAML/JSON; docs/resolution-rules.md). */
    identityConfig: z.string().min(1),
    /** Commit a partition's transaction at least this often (ms). */
    commitIntervalMs: z.number().int().min(1).default(COMMIT_DEFAULTS.intervalMs),
    /** …or once it holds this many input records. */
    maxTransactionEvents: z.number().int().min(1).default(COMMIT_DEFAULTS.maxTransactionEvents),
    /**
     * The profile changelog: `coalesced`, one record per profile per commit (its last state),
     * or `every-change`, one record per change (spec, "Outputs").
     */
    profileChangelog: z.enum(['coalesced', 'every-change']).default('coalesced'),
    /**
     * Decoded state records cached in memory by the whole process, shared out evenly over the
     * input topic's partitions (each task caches its share): the processor's memory must not
     * grow with the number of partitions it is given.
     */
    stateCacheEntries: z.number().int().min(1000).default(200_000),
    /**
     * `unifier api`: decoded state records its answers read through (kept exact by the applied
     * batches; 0 reads every answer from a snapshot). About 2 KB of heap a record. The same
     * default as the embedded API's (DEFAULT_CACHED_RECORDS in src/api/committed-records.ts).
     */
    apiCacheEntries: z.number().int().min(0).default(100_000),
    /** RocksDB memtable size (MiB) of the state store all partitions share; up to two live. */
    stateWriteBufferMiB: z.number().int().min(1).max(1024).default(32),
    maxBytesPerPartition: z
      .number()
      .int()
      .min(1024)
      .default(4 * 1024 * 1024),
    http: z
      .object({
        enabled: z.boolean().default(true),
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(9464),
      })
      .strict()
      .default({ enabled: true, host: '127.0.0.1', port: 9464 }),
    logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  })
  .strict()

export type AppConfig = z.infer<typeof appConfigSchema>

export class AppConfigError extends Error {
  override readonly name = 'AppConfigError'
}

type Env = Readonly<Record<string, string | undefined>>

/** Environment variable → config path. Numbers and booleans are converted. */
const ENV: ReadonlyArray<readonly [string, string, 'string' | 'number' | 'boolean' | 'brokers']> = [
  ['KAFKA_BROKERS', 'kafka.brokers', 'brokers'],
  ['UNIFIER_KAFKA_CLIENT_ID', 'kafka.clientId', 'string'],
  ['UNIFIER_KAFKA_SSL', 'kafka.ssl', 'boolean'],
  ['UNIFIER_KAFKA_SASL_MECHANISM', 'kafka.sasl.mechanism', 'string'],
  ['UNIFIER_KAFKA_SASL_USERNAME', 'kafka.sasl.username', 'string'],
  ['UNIFIER_KAFKA_SASL_PASSWORD', 'kafka.sasl.password', 'string'],
  ['UNIFIER_SESSION_TIMEOUT_MS', 'kafka.sessionTimeoutMs', 'number'],
  ['UNIFIER_TRANSACTION_TIMEOUT_MS', 'kafka.transactionTimeoutMs', 'number'],
  ['SCHEMA_REGISTRY_URL', 'registry.url', 'string'],
  ['UNIFIER_TOPOLOGY_FILE', 'topics.file', 'string'],
  ['UNIFIER_TOPIC_PREFIX', 'topics.prefix', 'string'],
  ['UNIFIER_GROUP_ID', 'groupId', 'string'],
  ['UNIFIER_STATE_DIR', 'stateDir', 'string'],
  ['UNIFIER_IDENTITY_CONFIG', 'identityConfig', 'string'],
  ['UNIFIER_COMMIT_INTERVAL_MS', 'commitIntervalMs', 'number'],
  ['UNIFIER_MAX_TRANSACTION_EVENTS', 'maxTransactionEvents', 'number'],
  ['UNIFIER_PROFILE_CHANGELOG', 'profileChangelog', 'string'],
  ['UNIFIER_STATE_CACHE_ENTRIES', 'stateCacheEntries', 'number'],
  ['UNIFIER_STATE_WRITE_BUFFER_MIB', 'stateWriteBufferMiB', 'number'],
  ['UNIFIER_API_CACHE_ENTRIES', 'apiCacheEntries', 'number'],
  ['UNIFIER_HTTP_ENABLED', 'http.enabled', 'boolean'],
  ['UNIFIER_HTTP_HOST', 'http.host', 'string'],
  ['UNIFIER_HTTP_PORT', 'http.port', 'number'],
  ['UNIFIER_LOG_LEVEL', 'logLevel', 'string'],
]

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.')
  let node = target
  for (const part of parts.slice(0, -1)) {
    const next = node[part]
    if (typeof next !== 'object' || next === null) node[part] = {}
    node = node[part] as Record<string, unknown>
  }
  node[parts.at(-1) as string] = value
}

function envValue(name: string, raw: string, kind: (typeof ENV)[number][2]): unknown {
  switch (kind) {
    case 'string':
      return raw
    case 'brokers':
      return parseBrokers(raw)
    case 'number': {
      const n = Number(raw)
      if (raw.trim() === '' || !Number.isFinite(n)) {
        throw new AppConfigError(`${name}=${raw} is not a number`)
      }
      return n
    }
    case 'boolean':
      if (/^(1|true|yes)$/i.test(raw)) return true
      if (/^(0|false|no)$/i.test(raw)) return false
      throw new AppConfigError(`${name}=${raw} is not a boolean (true/false)`)
  }
}

/**
 * File values, then environment overrides, then `overrides` (command-line flags), validated
 * together; every problem is listed with its path.
 */
export function parseAppConfig(
  fileValues: unknown,
  env: Env = {},
  overrides: Record<string, unknown> = {},
  origin = 'configuration',
): AppConfig {
  if (fileValues !== undefined && (typeof fileValues !== 'object' || fileValues === null)) {
    throw new AppConfigError(`${origin}: expected a mapping at the top level`)
  }
  const merged = structuredClone((fileValues ?? {}) as Record<string, unknown>)
  for (const [name, path, kind] of ENV) {
    const raw = env[name]
    if (raw !== undefined && raw !== '') setPath(merged, path, envValue(name, raw, kind))
  }
  for (const [path, value] of Object.entries(overrides)) {
    if (value !== undefined) setPath(merged, path, value)
  }
  const result = appConfigSchema.safeParse(merged)
  if (!result.success) {
    const lines = result.error.issues.map(
      (issue) => `  ${issue.path.join('.') || '(top)'}: ${issue.message}`,
    )
    throw new AppConfigError(`${origin} is not valid:\n${lines.join('\n')}`)
  }
  return result.data
}

export async function loadAppConfig(
  file: string | undefined,
  env: Env,
  overrides: Record<string, unknown> = {},
): Promise<AppConfig> {
  let values: unknown
  if (file !== undefined) {
    const text = await readFile(file, 'utf8')
    try {
      values = parseYaml(text)
    } catch (err) {
      throw new AppConfigError(`${file}: ${err instanceof Error ? err.message : String(err)}`)
    }
  }
  return parseAppConfig(values, env, overrides, file ?? 'configuration')
}
