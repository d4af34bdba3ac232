import type { Topology } from '../topology/file.js'
import { ROLE_SCHEMAS, subjectFor } from '../topology/roles.js'
import { SchemaRegistryError } from './errors.js'
import type { AvroSchemaRegistry, SubjectResult } from './registry.js'
import type { SchemaSet } from './schemas.js'

/** The subjects a topology needs (TopicNameStrategy: `<topic>-key`, `<topic>-value`). */
export interface TopicSubject {
  readonly topic: string
  readonly part: 'key' | 'value'
  readonly subject: string
  readonly schema: NonNullable<(typeof ROLE_SCHEMAS)[keyof typeof ROLE_SCHEMAS]>['key']
}

export function topicSubjects(topology: Topology): TopicSubject[] {
  return topology.topics.flatMap((topic) => {
    const schemas = ROLE_SCHEMAS[topic.role]
    if (!schemas) return []
    return (['key', 'value'] as const).map((part) => ({
      topic: topic.name,
      part,
      subject: subjectFor(topic.name, part),
      schema: schemas[part],
    }))
  })
}

export type SubjectOutcome =
  | SubjectResult
  | { readonly subject: string; readonly status: 'failed'; readonly error: SchemaRegistryError }

/**
 * Registers (or, dry, checks) every subject of the topology. One refused subject does not stop
 * the others: the operator sees every problem at once. Only a registry outage aborts.
 */
export async function ensureTopicSchemas(
  registry: AvroSchemaRegistry,
  topology: Topology,
  schemas: SchemaSet,
  options: { dryRun?: boolean } = {},
): Promise<SubjectOutcome[]> {
  const outcomes: SubjectOutcome[] = []
  for (const { subject, schema: name } of topicSubjects(topology)) {
    const schema = schemas.get(name)
    if (!schema) throw new Error(`schema ${name} was not loaded`)
    try {
      outcomes.push(await registry.ensureSubject(subject, schema, options))
    } catch (err) {
      if (!(err instanceof SchemaRegistryError) || err.retriable) throw err
      outcomes.push({ subject, status: 'failed', error: err })
    }
  }
  return outcomes
}
