import type { ContactEvent, OutputRecord } from '../core/types.js'
import type { Topology } from '../topology/file.js'
import { ROLE_SCHEMAS, subjectFor, type SchemaName, type TopicRole } from '../topology/roles.js'
import { DecodeError, SchemaRegistryError } from './errors.js'
import type { InputRecord } from '../ports/input-record.js'
import { contactEventFromAvro, outputToAvro } from './records.js'
import type { AvroSchemaRegistry } from './registry.js'
import type { LoadedSchema, SchemaSet } from './schemas.js'
import { ensureTopicSchemas } from './topic-schemas.js'

/** Bytes ready for a producer. A null value is a tombstone; a null key lets Kafka spread it. */
export interface EncodedMessage {
  readonly topic: string
  readonly key: Buffer | null
  readonly value: Buffer | null
}

/**
 * The codec the processor and the connectors use: records in, Confluent wire-format bytes out
 * (and back), for the topics of one topology. Created once at start, after registering every
 * subject, so a schema the registry refuses stops the start instead of the first write.
 */
export class TopicCodec {
  private constructor(
    private readonly registry: AvroSchemaRegistry,
    private readonly topology: Topology,
    private readonly schemas: SchemaSet,
    private readonly ids: ReadonlyMap<string, number>,
  ) {}

  static async start(
    registry: AvroSchemaRegistry,
    topology: Topology,
    schemas: SchemaSet,
  ): Promise<TopicCodec> {
    const outcomes = await ensureTopicSchemas(registry, topology, schemas)
    const ids = new Map<string, number>()
    const failures: string[] = []
    for (const outcome of outcomes) {
      if (outcome.status === 'failed') failures.push(outcome.error.message)
      else if (outcome.id !== null) ids.set(outcome.subject, outcome.id)
    }
    if (failures.length > 0) {
      throw new SchemaRegistryError(
        'incompatible-schema',
        `cannot start: the registry refused ${failures.length} schema(s):\n${failures.join('\n')}`,
      )
    }
    return new TopicCodec(registry, topology, schemas, ids)
  }

  topicName(role: TopicRole): string {
    return this.topology.byRole[role].name
  }

  /** The registry id our schema has under `<topic>-<part>`. */
  schemaId(role: TopicRole, part: 'key' | 'value'): number {
    const subject = subjectFor(this.topicName(role), part)
    const id = this.ids.get(subject)
    if (id === undefined) throw new Error(`no schema registered for ${subject}`)
    return id
  }

  async encodeOutput(record: OutputRecord, input: InputRecord): Promise<EncodedMessage> {
    return this.writeOutput(record, input)
  }

  /**
   * `encodeOutput` without a promise once the output's schemas are cached (after the first
   * record of each: the processor's usual case); throws what `encodeOutput` rejects with.
   */
  writeOutput(record: OutputRecord, input: InputRecord): EncodedMessage | Promise<EncodedMessage> {
    const message = outputToAvro(record, input)
    const registry = this.registry
    // in the order encodeOutput takes them; a part whose schema is not cached yet: the async way
    let key: Buffer | null = null
    if (message.key !== null) {
      key = registry.encodeIfCached(this.schemaId(message.role, 'key'), message.key)
      if (key === null) return this.encodeMessage(message.role, message.key, message.value)
    }
    let value: Buffer | null = null
    if (message.value !== null) {
      value = registry.encodeIfCached(this.schemaId(message.role, 'value'), message.value)
      if (value === null) return this.encodeMessage(message.role, message.key, message.value)
    }
    return { topic: this.topicName(message.role), key, value }
  }

  private async encodeMessage(
    role: TopicRole,
    key: object | null,
    value: object | null,
  ): Promise<EncodedMessage> {
    return {
      topic: this.topicName(role),
      key: key === null ? null : await this.encode(role, 'key', key),
      value: value === null ? null : await this.encode(role, 'value', value),
    }
  }

  /** The input topic's key of a tenant's events: what decides the tenant's partition. */
  async tenantKey(tenant: string): Promise<Buffer> {
    return this.encode('contact-events', 'key', { tenant })
  }

  /** For producers of the input topic (SDK, HTTP ingest, CSV import): key = tenant. */
  async encodeContactEvent(event: ContactEvent): Promise<EncodedMessage> {
    return {
      topic: this.topicName('contact-events'),
      key: await this.encode('contact-events', 'key', { tenant: event.tenant }),
      value: await this.encode('contact-events', 'value', event),
    }
  }

  /** Throws DecodeError (dead-letter it) or a retriable SchemaRegistryError (retry). */
  async decodeContactEvent(value: Buffer | null): Promise<ContactEvent> {
    return this.readContactEvent(value)
  }

  /**
   * `decodeContactEvent` without a promise once the record's writer schema is resolved (every
   * record after the first of a schema); throws what `decodeContactEvent` rejects with.
   */
  readContactEvent(value: Buffer | null): ContactEvent | Promise<ContactEvent> {
    if (value === null || value.length === 0) {
      throw new DecodeError('undecodable', 'the record has no value')
    }
    const reader = this.reader('ContactEvent')
    const decoded = this.registry.decodeIfCached(value, reader)
    if (decoded !== undefined) return contactEventFromAvro(decoded)
    return this.registry.decode(value, reader).then(contactEventFromAvro)
  }

  /** Decodes any key or value of a topology topic into its Avro record (plain JS values). */
  async decode(role: TopicRole, part: 'key' | 'value', bytes: Buffer): Promise<unknown> {
    const schemas = ROLE_SCHEMAS[role]
    if (!schemas) throw new Error(`topic ${role} has no Avro schema`)
    return this.registry.decode(bytes, this.reader(schemas[part]))
  }

  private async encode(role: TopicRole, part: 'key' | 'value', value: object): Promise<Buffer> {
    return this.registry.encode(this.schemaId(role, part), value)
  }

  private reader(name: SchemaName): LoadedSchema {
    const schema = this.schemas.get(name)
    if (!schema) throw new Error(`schema ${name} was not loaded`)
    return schema
  }
}
