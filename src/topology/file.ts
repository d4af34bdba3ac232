import { readFile } from 'node:fs/promises'
import { parseDocument } from 'yaml'
import { z } from 'zod'
import { TOPIC_ROLES, type TopicRole } from './roles.js'
import { CodedError } from '../ports/coded-error.js'

/**
 * The topology file (topology/topics.yaml): every topic by role with its size and configs.
 * Parsed and validated once; everything downstream gets a resolved `Topology`.
 */

export interface TopicSpec {
  readonly role: TopicRole
  /** Full topic name, prefix included. */
  readonly name: string
  readonly partitions: number
  readonly replicationFactor: number
  /** Every config the file sets, as Kafka's strings; cleanup.policy (and retention.ms) included. */
  readonly configs: Readonly<Record<string, string>>
}

export interface Topology {
  readonly prefix: string
  /** In file order: the order `apply` creates and reports them. */
  readonly topics: readonly TopicSpec[]
  readonly byRole: Readonly<Record<TopicRole, TopicSpec>>
}

export interface TopologyOverrides {
  /** Replaces the file's prefix (tests, multi-environment clusters). */
  readonly prefix?: string
  /** Replaces every topic's replication factor (e.g. 3 on a production cluster). */
  readonly replicationFactor?: number
}

export class TopologyFileError extends CodedError<'invalid-topology'> {
  override readonly name = 'TopologyFileError'
  constructor(message: string, options?: { cause?: unknown }) {
    super('invalid-topology', message, false, options)
  }
}

// Kafka's own rule for topic names.
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/

const configValue = z.union([z.string(), z.number(), z.boolean()])

// Settings with a field of their own; also setting them in `configs` would be two sources of truth.
const DEDICATED_CONFIGS = ['cleanup.policy', 'retention.ms']

const topicSchema = z.strictObject(
  {
    name: z.string().regex(TOPIC_NAME, 'a Kafka topic name: letters, digits, . _ -').optional(),
    partitions: z.int().min(1).optional(),
    replicationFactor: z.int().min(1).optional(),
    cleanupPolicy: z.enum(['delete', 'compact', 'compact,delete']),
    /** -1 keeps records forever. */
    retentionMs: z.int().min(-1).optional(),
    configs: z
      .record(z.string().regex(/^[a-z0-9.]+$/, 'a Kafka config name'), configValue)
      .default({}),
  },
  {
    error: (issue) =>
      issue.input === undefined ? 'missing: the file must define every topic role' : undefined,
  },
)

const fileSchema = z
  .strictObject({
    prefix: z
      .string()
      .regex(/^[a-zA-Z0-9._-]*$/, 'letters, digits, . _ - only')
      .default(''),
    defaults: z
      .strictObject({
        partitions: z.int().min(1).default(6),
        replicationFactor: z.int().min(1).default(1),
      })
      .default({ partitions: 6, replicationFactor: 1 }),
    topics: z.strictObject(
      Object.fromEntries(TOPIC_ROLES.map((role) => [role, topicSchema])) as Record<
        TopicRole,
        typeof topicSchema
      >,
    ),
  })
  .superRefine((file, ctx) => {
    for (const role of TOPIC_ROLES) {
      const topic = file.topics[role]
      for (const key of DEDICATED_CONFIGS) {
        if (key in topic.configs) {
          ctx.addIssue({
            code: 'custom',
            path: ['topics', role, 'configs', key],
            message: `set it with ${key === 'cleanup.policy' ? 'cleanupPolicy' : 'retentionMs'}, not in configs`,
          })
        }
      }
      if (topic.retentionMs !== undefined && topic.cleanupPolicy === 'compact') {
        ctx.addIssue({
          code: 'custom',
          path: ['topics', role, 'retentionMs'],
          message: 'a compacted topic keeps the latest value per key; retentionMs would not apply',
        })
      }
    }
    // A changelog that deletes by age would lose profiles (or stored state) that stop changing.
    for (const role of ['profile-changelog', 'state-changelog'] as const) {
      if (file.topics[role].cleanupPolicy !== 'compact') {
        ctx.addIssue({
          code: 'custom',
          path: ['topics', role, 'cleanupPolicy'],
          message: 'must be compact: the latest value of every key has to survive',
        })
      }
    }
    // The task for input partition p restores its store from changelog partition p.
    const inputPartitions = file.topics['contact-events'].partitions ?? file.defaults.partitions
    const statePartitions = file.topics['state-changelog'].partitions ?? file.defaults.partitions
    if (inputPartitions !== statePartitions) {
      ctx.addIssue({
        code: 'custom',
        path: ['topics', 'state-changelog', 'partitions'],
        message: `must equal contact-events' partitions (${inputPartitions}), got ${statePartitions}`,
      })
    }
  })

type TopologyFile = z.infer<typeof fileSchema>

function issuePath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(top level)' : path.map(String).join('.')
}

/** Validates an already-parsed document (YAML or JSON) and resolves names and defaults. */
export function resolveTopology(
  document: unknown,
  source: string,
  overrides: TopologyOverrides = {},
): Topology {
  const parsed = fileSchema.safeParse(document)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${issuePath(i.path)}: ${i.message}`)
    throw new TopologyFileError(`${source} is not a valid topology:\n${lines.join('\n')}`)
  }
  return build(parsed.data, source, overrides)
}

function build(file: TopologyFile, source: string, overrides: TopologyOverrides): Topology {
  const prefix = overrides.prefix ?? file.prefix
  const problems: string[] = []
  const topics = TOPIC_ROLES.map((role): TopicSpec => {
    const topic = file.topics[role]
    const configs: Record<string, string> = { 'cleanup.policy': topic.cleanupPolicy }
    if (topic.retentionMs !== undefined) configs['retention.ms'] = String(topic.retentionMs)
    for (const [key, value] of Object.entries(topic.configs)) configs[key] = String(value)
    const spec: TopicSpec = {
      role,
      name: `${prefix}${topic.name ?? role}`,
      partitions: topic.partitions ?? file.defaults.partitions,
      replicationFactor:
        overrides.replicationFactor ?? topic.replicationFactor ?? file.defaults.replicationFactor,
      configs,
    }
    if (!TOPIC_NAME.test(spec.name)) {
      problems.push(`topics.${role}: "${spec.name}" is not a valid Kafka topic name`)
    }
    const minIsr = configs['min.insync.replicas']
    if (minIsr !== undefined && Number(minIsr) > spec.replicationFactor) {
      problems.push(
        `topics.${role}.configs.min.insync.replicas: ${minIsr} exceeds the replication factor ${spec.replicationFactor}; every write would fail`,
      )
    }
    return spec
  })
  const seen = new Map<string, TopicRole>()
  for (const spec of topics) {
    const other = seen.get(spec.name)
    if (other) problems.push(`topics.${spec.role}: name "${spec.name}" is also used by ${other}`)
    seen.set(spec.name, spec.role)
  }
  if (problems.length > 0) {
    throw new TopologyFileError(`${source} is not a valid topology:\n  ${problems.join('\n  ')}`)
  }
  const byRole = Object.fromEntries(topics.map((t) => [t.role, t])) as Record<TopicRole, TopicSpec>
  return { prefix, topics, byRole }
}

/** Parses YAML (JSON is YAML) text; syntax errors name the line. */
export function parseTopology(
  text: string,
  source: string,
  overrides: TopologyOverrides = {},
): Topology {
  const doc = parseDocument(text, { prettyErrors: true })
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => `  ${e.message}`)
    throw new TopologyFileError(`${source} is not valid YAML:\n${lines.join('\n')}`)
  }
  return resolveTopology(doc.toJS(), source, overrides)
}

export async function loadTopology(
  path: string,
  overrides: TopologyOverrides = {},
): Promise<Topology> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new TopologyFileError(`cannot read topology file ${path}: ${(err as Error).message}`, {
      cause: err,
    })
  }
  return parseTopology(text, path, overrides)
}
