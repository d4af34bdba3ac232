/**
 * The codec against the real registry: subjects kept BACKWARD, evolution allowed and refused
 * with a message an operator can act on, the Confluent wire format, and typed decode failures.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DecodeError, SchemaRegistryError } from '../../src/codecs/errors.js'
import { AvroSchemaRegistry } from '../../src/codecs/registry.js'
import { loadSchemas, parseSchema, type SchemaSet } from '../../src/codecs/schemas.js'
import type { ContactEvent } from '../../src/core/types.js'
import { schemaRegistryUrl, uniqueName } from '../setup/kafka-kit.js'

const subjects: string[] = []
let registry: AvroSchemaRegistry
let schemas: SchemaSet

function subject(prefix: string): string {
  const name = uniqueName(prefix)
  subjects.push(name)
  return name
}

function loaded(name: Parameters<SchemaSet['get']>[0]) {
  const s = schemas.get(name)
  if (!s) throw new Error(name)
  return s
}

/** ContactEvent with one field changed, as a producer on another version would have it. */
function contactEventVariant(
  edit: (fields: Record<string, unknown>[]) => Record<string, unknown>[],
) {
  const raw = JSON.parse(loaded('ContactEvent').text) as { fields: Record<string, unknown>[] }
  return parseSchema('ContactEvent', JSON.stringify({ ...raw, fields: edit(raw.fields) }))
}

const event: ContactEvent = {
  eventId: 'e-1',
  tenant: 'acme',
  type: 'identify',
  source: 'web',
  timestamp: 1_763_856_000_000,
  identifiers: [{ type: 'email', value: 'ann@x.com' }],
  attributes: { name: 'Ann', orders: 2, vip: false, unknown: null },
  note: null,
}

beforeAll(async () => {
  registry = new AvroSchemaRegistry({ url: schemaRegistryUrl() })
  schemas = await loadSchemas()
})

afterAll(async () => {
  for (const s of subjects) await registry.deleteSubject(s)
})

describe('registering subjects', () => {
  it('registers a new subject with BACKWARD compatibility, then reports it unchanged', async () => {
    const s = subject('reg-contact-events-value')
    const first = await registry.ensureSubject(s, loaded('ContactEvent'))
    expect(first).toMatchObject({ subject: s, status: 'registered', compatibilityBefore: null })
    expect(first.id).toBeGreaterThan(0)
    expect(await registry.subjectCompatibility(s)).toBe('BACKWARD')

    const again = await registry.ensureSubject(s, loaded('ContactEvent'))
    expect(again).toEqual({
      subject: s,
      status: 'unchanged',
      id: first.id,
      compatibilityBefore: 'BACKWARD',
    })
  })

  it('accepts a compatible evolution: a new optional field with a default', async () => {
    const s = subject('evolve-ok-value')
    const v1 = await registry.ensureSubject(s, loaded('ContactEvent'))
    const v2schema = contactEventVariant((fields) => [
      ...fields,
      { name: 'channelUserAgent', type: ['null', 'string'], default: null },
    ])
    const dry = await registry.ensureSubject(s, v2schema, { dryRun: true })
    expect(dry.status).toBe('would-register')
    const v2 = await registry.ensureSubject(s, v2schema)
    expect(v2.status).toBe('registered')
    expect(v2.id).not.toBe(v1.id)
  })

  it('refuses an incompatible evolution, naming the subject and the field at fault', async () => {
    const s = subject('evolve-bad-value')
    await registry.ensureSubject(s, loaded('ContactEvent'))
    const v2schema = contactEventVariant((fields) => [
      ...fields,
      { name: 'region', type: 'string' }, // no default: old records cannot be read
    ])
    const failure = await registry.ensureSubject(s, v2schema).then(
      () => null,
      (err: unknown) => err,
    )
    expect(failure).toBeInstanceOf(SchemaRegistryError)
    const err = failure as SchemaRegistryError
    expect(err.code).toBe('incompatible-schema')
    expect(err.retriable).toBe(false)
    expect(err.subject).toBe(s)
    expect(err.message).toContain(s)
    expect(err.message).toContain('region')

    // The dry run sees the same problem without registering anything.
    await expect(registry.ensureSubject(s, v2schema, { dryRun: true })).rejects.toThrow(/region/)
    expect(await registry.lookup(s, v2schema)).toBeNull()
  })

  it('puts a subject someone set to NONE back to BACKWARD', async () => {
    const s = subject('compat-reset-value')
    await registry.ensureSubject(s, loaded('ProfileMerged'))
    await fetch(`${schemaRegistryUrl()}/config/${s}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ compatibility: 'NONE' }),
    })
    const result = await registry.ensureSubject(s, loaded('ProfileMerged'))
    expect(result).toMatchObject({ status: 'unchanged', compatibilityBefore: 'NONE' })
    expect(await registry.subjectCompatibility(s)).toBe('BACKWARD')
  })
})

describe('the Confluent wire format', () => {
  let contactEventId: number

  beforeAll(async () => {
    const result = await registry.ensureSubject(subject('wire-value'), loaded('ContactEvent'))
    if (result.id === null) throw new Error('no id')
    contactEventId = result.id
  })

  it('writes magic byte 0 and a schema id that resolves in the registry to our schema', async () => {
    const bytes = await registry.encode(contactEventId, event)
    expect(bytes[0]).toBe(0)
    const id = bytes.readInt32BE(1)
    expect(id).toBe(contactEventId)
    const res = await fetch(`${schemaRegistryUrl()}/schemas/ids/${id}`)
    expect(res.status).toBe(200)
    const body = (await res.json()) as { schema: string }
    expect(JSON.parse(body.schema)).toEqual(JSON.parse(loaded('ContactEvent').text))
    // The body after the 5-byte header is plain Avro of our schema.
    expect(loaded('ContactEvent').type.fromBuffer(bytes.subarray(5))).toMatchObject({
      eventId: 'e-1',
    })
  })

  it('round-trips a record through encode and decode', async () => {
    const bytes = await registry.encode(contactEventId, event)
    const decoded = await registry.decode(bytes, loaded('ContactEvent'))
    expect(decoded).toEqual(event)
  })

  it('reads a record from a newer producer (extra field) into our reader schema', async () => {
    const s = subject('wire-evolved-value')
    await registry.ensureSubject(s, loaded('ContactEvent'))
    const newer = contactEventVariant((fields) => [
      ...fields,
      { name: 'consent', type: ['null', 'boolean'], default: null },
    ])
    const { id } = await registry.ensureSubject(s, newer)
    if (id === null) throw new Error('no id')
    const bytes = await registry.encode(id, { ...event, consent: true })
    expect(await registry.decode(bytes, loaded('ContactEvent'))).toEqual(event)
  })

  it('dead-letters records from a producer whose schema has event types we do not know', async () => {
    const s = subject('wire-new-type-value')
    await registry.ensureSubject(s, loaded('ContactEvent'))
    const newer = contactEventVariant((fields) =>
      fields.map((f) =>
        f.name === 'type'
          ? {
              ...f,
              type: {
                type: 'enum',
                name: 'EventType',
                symbols: ['identify', 'unlink', 'note', 'forget', 'merge'],
              },
            }
          : f,
      ),
    )
    // Adding a symbol is BACKWARD-compatible, so the registry takes it...
    const { id } = await registry.ensureSubject(s, newer)
    if (id === null) throw new Error('no id')
    // ...but this processor must not guess what "merge" means.
    const bytes = await registry.encode(id, { ...event, type: 'merge' })
    const failure = await registry.decode(bytes, loaded('ContactEvent')).catch((e) => e)
    expect(failure).toBeInstanceOf(DecodeError)
    expect((failure as DecodeError).code).toBe('undecodable')
  })

  it('rejects bytes that are not in the wire format as undecodable', async () => {
    const garbage = Buffer.from('{"eventId":"e-1"}')
    await expect(registry.decode(garbage, loaded('ContactEvent'))).rejects.toMatchObject({
      name: 'DecodeError',
      code: 'undecodable',
      retriable: false,
    })
  })

  it('rejects a body that does not decode with its schema as undecodable', async () => {
    const bytes = await registry.encode(contactEventId, event)
    const truncated = bytes.subarray(0, bytes.length - 3)
    const failure = await registry.decode(truncated, loaded('ContactEvent')).catch((e) => e)
    expect(failure).toBeInstanceOf(DecodeError)
    expect((failure as DecodeError).code).toBe('undecodable')
  })

  it('rejects an id the registry does not know as unknown-schema', async () => {
    const bytes = await registry.encode(contactEventId, event)
    bytes.writeInt32BE(2_000_000_000, 1)
    const failure = await registry.decode(bytes, loaded('ContactEvent')).catch((e) => e)
    expect(failure).toBeInstanceOf(DecodeError)
    expect((failure as DecodeError).code).toBe('unknown-schema')
    expect((failure as DecodeError).message).toContain('2000000000')
  })

  it('rejects a record of another type (a ProfileMerged on the input topic) as undecodable', async () => {
    const { id } = await registry.ensureSubject(
      subject('wire-other-value'),
      loaded('ProfileMerged'),
    )
    if (id === null) throw new Error('no id')
    const bytes = await registry.encode(id, {
      tenant: 'acme',
      survivor: 'p1',
      merged: 'p2',
      via: null,
      eventId: 'e-9',
      timestamp: 1,
    })
    const failure = await registry.decode(bytes, loaded('ContactEvent')).catch((e) => e)
    expect(failure).toBeInstanceOf(DecodeError)
    expect((failure as DecodeError).code).toBe('undecodable')
    expect((failure as DecodeError).message).toContain('ContactEvent')
  })

  it('refuses to encode a record that does not match the schema, naming the field', async () => {
    const failure = await registry
      .encode(contactEventId, { ...event, timestamp: 'yesterday' })
      .catch((e) => e)
    expect(failure).toBeInstanceOf(SchemaRegistryError)
    expect((failure as SchemaRegistryError).code).toBe('invalid-record')
    expect((failure as SchemaRegistryError).message).toContain('timestamp')
  })
})
