import avro from 'avsc'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadSchemas, SCHEMA_NAMES, type SchemaSet } from '../../../src/codecs/schemas.js'
import {
  contactEventFromAvro,
  deadLetterFromAvro,
  outputFromAvro,
  outputToAvro,
  profileSnapshotFromAvro,
} from '../../../src/codecs/records.js'
import type { InputRecord } from '../../../src/ports/input-record.js'
import type { ContactEvent, OutputRecord, ProfileSnapshot } from '../../../src/core/types.js'
import { ROLE_SCHEMAS } from '../../../src/topology/roles.js'
import { RESERVED_NAMES } from '../../../src/config/identity-config-schema.js'

let schemas: SchemaSet

beforeAll(async () => {
  schemas = await loadSchemas()
})

function schema(name: Parameters<SchemaSet['get']>[0]) {
  const s = schemas.get(name)
  if (!s) throw new Error(`missing schema ${name}`)
  return s
}

/** Encodes with the Avro type, failing with the paths avsc rejects (clearer than a bare throw). */
function throughAvro(name: Parameters<SchemaSet['get']>[0], value: object): unknown {
  const { type } = schema(name)
  const bad: string[] = []
  type.isValid(value, { errorHook: (path) => bad.push(path.join('.')) })
  expect(bad, `${name} rejects fields`).toEqual([])
  return type.fromBuffer(type.toBuffer(value))
}

const input: InputRecord = {
  topic: 'contact-events',
  partition: 3,
  offset: '9007199254740',
  timestamp: 1_763_856_000_000,
  key: Buffer.from([0, 0, 0, 0, 1, 2, 0x41]),
  value: Buffer.from([0xde, 0xad, 0xbe, 0xef]),
}

const snapshot: ProfileSnapshot = {
  tenant: 'acme',
  profileId: 'p-acme-e1-0',
  anchor: { type: 'customer_id', value: 'C1' },
  identifiers: [
    { type: 'customer_id', value: 'C1' },
    { type: 'email', value: 'ann@x.com' },
  ],
  channels: ['call_center', 'web'],
  attributes: { name: 'Ann', orders: 3, vip: true, lifetimeValue: 12.5 },
  provenance: {
    name: { source: 'web', timestamp: 1_700_000_000_000, eventId: 'e1', sequence: 0 },
    orders: { source: 'call_center', timestamp: 1_700_000_100_000, eventId: 'e2', sequence: 7 },
  },
  timeline: [{ eventId: 'e3', timestamp: 1_700_000_200_000, source: 'store', note: 'Ünïcödé ✓' }],
  mergedFrom: ['p-acme-e2-0'],
  createdAt: 1_700_000_000_000,
  updatedAt: 1_700_000_200_000,
}

const outputs: OutputRecord[] = [
  { kind: 'profile', tenant: 'acme', profileId: 'p1', profile: snapshot },
  {
    kind: 'merged',
    tenant: 'acme',
    survivor: 'p1',
    merged: 'p2',
    via: { type: 'phone', value: '+15550100' },
    eventId: 'e4',
    timestamp: 1_700_000_300_000,
  },
  {
    kind: 'merged',
    tenant: 'acme',
    survivor: 'p1',
    merged: 'p3',
    via: null,
    eventId: 'e4',
    timestamp: 1_700_000_300_000,
  },
  {
    kind: 'reassigned',
    tenant: 'acme',
    link: { type: 'loyalty_card', value: 'L9' },
    from: 'p1',
    to: 'p7',
    eventId: 'e5',
    timestamp: 1_700_000_400_000,
  },
  {
    kind: 'deleted',
    tenant: 'acme',
    profileId: 'p7',
    suppressed: true,
    eventId: 'e6',
    timestamp: 1_700_000_500_000,
  },
  {
    kind: 'merge-refused',
    tenant: 'acme',
    target: 'p1',
    refused: 'p9',
    limitType: 'email',
    via: { type: 'email', value: 'test@test.com' },
    eventId: 'e7',
    timestamp: 1_700_000_600_000,
  },
]

describe('output records through their Avro types', () => {
  it('maps every output kind to a topic role that has Avro schemas', () => {
    for (const record of [...outputs, deadLetter()]) {
      expect(ROLE_SCHEMAS[outputToAvro(record, input).role]).not.toBeNull()
    }
  })

  it.each(outputs.map((r) => [r.kind, r] as const))('%s round-trips key and value', (_, record) => {
    const message = outputToAvro(record, input)
    const schemas = ROLE_SCHEMAS[message.role]
    if (!schemas || message.key === null || message.value === null) throw new Error('unexpected')
    const key = throughAvro(schemas.key, message.key)
    const value = throughAvro(schemas.value, message.value)
    if (message.role === 'contact-events' || message.role === 'dead-letter') throw new Error('role')
    if (message.role === 'state-changelog') throw new Error('role')
    expect(outputFromAvro(message.role, key, value)).toEqual(record)
  })

  it('a merged-away profile is a tombstone: a key and a null value', () => {
    const record: OutputRecord = { kind: 'profile', tenant: 'acme', profileId: 'p2', profile: null }
    const message = outputToAvro(record, input)
    expect(message.value).toBeNull()
    const key = throughAvro('ProfileKey', message.key ?? {})
    expect(outputFromAvro('profile-changelog', key, null)).toEqual(record)
  })

  it('a dead letter carries the original bytes and where they came from', () => {
    const record = deadLetter()
    const message = outputToAvro(record, input)
    expect(message.key).toEqual({ tenant: 'acme' })
    const decoded = deadLetterFromAvro(throughAvro('DeadLetter', message.value ?? {}))
    expect(decoded.record).toEqual(record)
    expect(decoded.input).toEqual(input)
  })

  it('an unreadable dead letter has no tenant, so no key, and null original bytes survive', () => {
    const record: OutputRecord = {
      kind: 'dead-letter',
      tenant: null,
      eventId: null,
      reason: 'undecodable',
      detail: 'first byte is 123',
    }
    const bare = { ...input, key: null, value: null }
    const message = outputToAvro(record, bare)
    expect(message.key).toBeNull()
    const decoded = deadLetterFromAvro(throughAvro('DeadLetter', message.value ?? {}))
    expect(decoded).toEqual({ record, input: bare })
  })
})

function deadLetter(): Extract<OutputRecord, { kind: 'dead-letter' }> {
  return {
    kind: 'dead-letter',
    tenant: 'acme',
    eventId: 'e8',
    reason: 'conflicting-anchors',
    detail: 'customer_id C1 and C7 in one event',
  }
}

// Strings as a channel sends them (any Unicode, not lone surrogates: Avro strings are UTF-8).
const text = fc.string({ unit: 'grapheme', maxLength: 12 })
const millis = fc.integer({ min: 0, max: 4_102_444_800_000 })
const identifierArb = fc.record({ type: text, value: text })
// Field names as the identity config allows them: it refuses __proto__ (and constructor,
// prototype), which avsc could not carry through an Avro map into a plain object anyway.
const fieldName = text.filter((name) => !RESERVED_NAMES.has(name))

const contactEventArb: fc.Arbitrary<ContactEvent> = fc.record({
  eventId: text,
  tenant: text,
  type: fc.constantFrom('identify', 'unlink', 'note', 'forget'),
  source: text,
  timestamp: millis,
  identifiers: fc.array(identifierArb, { maxLength: 4 }),
  attributes: fc.dictionary(
    fieldName,
    fc.oneof(fc.constant(null), text, fc.double({ noNaN: true }), fc.boolean()),
    { maxKeys: 4 },
  ),
  note: fc.option(text, { nil: null }),
})

const snapshotArb: fc.Arbitrary<ProfileSnapshot> = fc.record({
  tenant: text,
  profileId: text,
  anchor: fc.option(identifierArb, { nil: null }),
  identifiers: fc.array(identifierArb, { maxLength: 4 }),
  channels: fc.array(text, { maxLength: 3 }),
  attributes: fc.dictionary(fieldName, fc.oneof(text, fc.double({ noNaN: true }), fc.boolean()), {
    maxKeys: 4,
  }),
  provenance: fc.dictionary(
    fieldName,
    fc.record({ source: text, timestamp: millis, eventId: text, sequence: fc.nat() }),
    { maxKeys: 3 },
  ),
  timeline: fc.array(fc.record({ eventId: text, timestamp: millis, source: text, note: text }), {
    maxLength: 3,
  }),
  mergedFrom: fc.array(text, { maxLength: 3 }),
  createdAt: millis,
  updatedAt: millis,
})

describe('core records through Avro, for any content', () => {
  it('any ContactEvent decodes to an equal plain event', () => {
    fc.assert(
      fc.property(contactEventArb, (event) => {
        expect(contactEventFromAvro(throughAvro('ContactEvent', event))).toEqual(event)
      }),
    )
  })

  it('any ProfileSnapshot decodes to an equal plain snapshot', () => {
    fc.assert(
      fc.property(snapshotArb, (snap) => {
        expect(profileSnapshotFromAvro(throughAvro('ProfileSnapshot', snap))).toEqual(snap)
      }),
    )
  })

  it('an event written without attributes and note reads them as {} and null', () => {
    const { type } = schema('ContactEvent')
    const minimal = {
      eventId: 'e1',
      tenant: 'acme',
      type: 'identify',
      source: 'web',
      timestamp: 1,
      identifiers: [{ type: 'email', value: 'ann@x.com' }],
    }
    // A writer may omit fields that have defaults...
    expect(contactEventFromAvro(type.fromBuffer(type.toBuffer(minimal)))).toEqual({
      ...minimal,
      attributes: {},
      note: null,
    })
    // ...and an older writer schema without them reads with the defaults.
    const older = loadedOlderContactEvent()
    const decoded = type.fromBuffer(older.toBuffer(minimal), type.createResolver(older))
    expect(contactEventFromAvro(decoded)).toEqual({ ...minimal, attributes: {}, note: null })
  })
})

function loadedOlderContactEvent(): avro.Type {
  const current = JSON.parse(schema('ContactEvent').text) as { fields: { name: string }[] }
  const fields = current.fields.filter((f) => f.name !== 'attributes' && f.name !== 'note')
  return avro.Type.forSchema({ ...current, fields } as avro.Schema)
}

describe('the schema files', () => {
  it('have exactly the fields of the core types they mirror, no more, no fewer', () => {
    const fieldsOf = (name: Parameters<SchemaSet['get']>[0]) =>
      (JSON.parse(schema(name).text) as { fields: { name: string }[] }).fields
        .map((f) => f.name)
        .sort()
    const keysOf = (record: object) => Object.keys(record).sort()
    const event = fc.sample(contactEventArb, 1)[0]!
    expect(fieldsOf('ContactEvent')).toEqual(keysOf(event))
    expect(fieldsOf('ProfileSnapshot')).toEqual(keysOf(snapshot))
    const byKind = new Map(outputs.map((o) => [o.kind, o]))
    for (const [kind, name] of [
      ['merged', 'ProfileMerged'],
      ['reassigned', 'LinkReassigned'],
      ['deleted', 'ProfileDeleted'],
      ['merge-refused', 'MergeRefused'],
    ] as const) {
      const { kind: _kind, ...fields } = byKind.get(kind)!
      expect(fieldsOf(name), name).toEqual(keysOf(fields))
    }
    const { kind: _kind, ...deadLetterFields } = deadLetter()
    for (const field of keysOf(deadLetterFields)) expect(fieldsOf('DeadLetter')).toContain(field)
  })

  it('define each shared named type (Identifier, ...) identically wherever it appears', () => {
    const definitions = new Map<string, { file: string; json: string }>()
    const visit = (node: unknown, file: string): void => {
      if (Array.isArray(node)) return node.forEach((n) => visit(n, file))
      if (node === null || typeof node !== 'object') return
      const n = node as Record<string, unknown>
      if (typeof n.name === 'string' && ['record', 'enum', 'fixed'].includes(String(n.type))) {
        const json = JSON.stringify(n)
        const seen = definitions.get(n.name)
        if (seen) expect(json, `${n.name} in ${file} vs ${seen.file}`).toBe(seen.json)
        else definitions.set(n.name, { file, json })
      }
      Object.values(n).forEach((v) => visit(v, file))
    }
    for (const name of SCHEMA_NAMES) visit(JSON.parse(schema(name).text), name)
    expect(definitions.get('Identifier')).toBeDefined()
  })

  it('are all records in the io.profileunifier namespace (the registry client needs named records)', () => {
    for (const name of SCHEMA_NAMES) {
      expect(schema(name).type.name, name).toBe(`io.profileunifier.${name}`)
    }
  })
})
