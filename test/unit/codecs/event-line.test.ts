import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { contactEventLine, parseEventLine } from '../../../src/codecs/event-line.js'

const line = (fields: Record<string, unknown>) =>
  JSON.stringify({
    eventId: 'e1',
    tenant: 'acme',
    source: 'web',
    timestamp: 1_714_550_400_000,
    ...fields,
  })

describe('parseEventLine', () => {
  it('reads a full ContactEvent line as it is', () => {
    const parsed = parseEventLine(
      line({
        type: 'note',
        identifiers: [{ type: 'email', value: 'ann@x.com' }],
        attributes: { city: 'Lyon', orders: 3, vip: false, nick: null },
        note: 'called',
      }),
    )
    expect(parsed).toEqual({
      ok: true,
      event: {
        eventId: 'e1',
        tenant: 'acme',
        type: 'note',
        source: 'web',
        timestamp: 1_714_550_400_000,
        identifiers: [{ type: 'email', value: 'ann@x.com' }],
        attributes: { city: 'Lyon', orders: 3, vip: false, nick: null },
        note: 'called',
      },
    })
  })

  it('defaults type to identify, attributes to none and note to null', () => {
    const parsed = parseEventLine(line({ identifiers: [{ type: 'email', value: 'a@x.com' }] }))
    expect(parsed.ok && parsed.event).toMatchObject({
      type: 'identify',
      attributes: {},
      note: null,
    })
  })

  it('accepts an ISO-8601 timestamp and turns it into epoch millis', () => {
    const parsed = parseEventLine(line({ timestamp: '2024-05-01T10:00:00+02:00' }))
    expect(parsed.ok && parsed.event.timestamp).toBe(Date.UTC(2024, 4, 1, 8, 0, 0))
  })

  it('accepts identifiers as an object of type to value(s), numbers included', () => {
    const parsed = parseEventLine(
      line({ identifiers: { customer_id: 'C1', phone: 5550100, device_id: ['d1', 'd2'] } }),
    )
    expect(parsed.ok && parsed.event.identifiers).toEqual([
      { type: 'customer_id', value: 'C1' },
      { type: 'phone', value: '5550100' },
      { type: 'device_id', value: 'd1' },
      { type: 'device_id', value: 'd2' },
    ])
  })

  it('reports a line that is not JSON as undecodable', () => {
    const parsed = parseEventLine('{"eventId": "e1", oops')
    expect(parsed).toMatchObject({ ok: false, reason: 'undecodable', eventId: null })
  })

  it('reports an invalid event with the fields at fault and the eventId it could read', () => {
    const parsed = parseEventLine(line({ timestamp: 'yesterday', type: 'merge', tenant: '' }))
    expect(parsed.ok).toBe(false)
    if (parsed.ok) return
    expect(parsed.reason).toBe('invalid-event')
    expect(parsed.eventId).toBe('e1')
    expect(parsed.detail).toMatch(/timestamp/)
    expect(parsed.detail).toMatch(/type/)
    expect(parsed.detail).toMatch(/tenant/)
  })

  it('refuses an impossible date and unknown top-level fields', () => {
    expect(parseEventLine(line({ timestamp: '2024-13-45T99:00:00Z' })).ok).toBe(false)
    expect(parseEventLine(line({ identifers: [] })).ok).toBe(false)
  })

  it('refuses a JSON value that is not an object', () => {
    expect(parseEventLine('[1,2]')).toMatchObject({
      ok: false,
      reason: 'invalid-event',
      eventId: null,
    })
    expect(parseEventLine('null')).toMatchObject({ ok: false, reason: 'invalid-event' })
  })
})

describe('parseEventLine on any JSON', () => {
  // The usual line is read without the schema (a fast path): both readings must agree.
  const text = fc.oneof(fc.constantFrom('', 'a', 'e1', 'acme', '__proto__'), fc.string())
  const scalar = fc.oneof(
    text,
    fc.double(),
    fc.integer(),
    fc.constantFrom(Number.MAX_VALUE, -0, 1_714_550_400_000, 9e15),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom('2024-05-01T10:00:00Z', '2024-02-30', 'identify', 'note', 'merge'),
  )
  const value = fc.oneof(scalar, fc.array(scalar, { maxLength: 2 }), fc.dictionary(text, scalar))
  const identifier = fc.oneof(
    fc.record({ type: text, value: fc.oneof(text, fc.integer(), fc.double()) }),
    fc.record({ type: value, value }, { requiredKeys: [] }),
    value,
  )
  const field = {
    eventId: fc.oneof(fc.constant('e1'), value),
    tenant: fc.oneof(fc.constant('acme'), value),
    type: fc.oneof(fc.constantFrom('identify', 'unlink', 'note', 'forget'), value),
    source: fc.oneof(fc.constant('web'), value),
    timestamp: fc.oneof(fc.constantFrom(1_714_550_400_000, '2024-05-01T10:00:00+02:00'), value),
    identifiers: fc.oneof(
      fc.array(identifier, { maxLength: 3 }),
      fc.dictionary(text, value, { maxKeys: 2 }),
      value,
    ),
    attributes: fc.oneof(fc.dictionary(text, scalar, { maxKeys: 3 }), value),
    note: fc.oneof(fc.constant(null), text, value),
    extra: value,
  }
  const event = fc.record(field, { requiredKeys: [] })
  const usual = fc.record(
    { ...field, eventId: fc.constant('e1'), tenant: fc.constant('acme'), source: text },
    { requiredKeys: ['eventId', 'tenant', 'source', 'timestamp'] },
  )

  it('gives what the schema gives: the same event, or invalid', () => {
    fc.assert(
      fc.property(fc.oneof(event, usual), (json) => {
        const line = JSON.stringify(json)
        const parsed = parseEventLine(line)
        const schema = contactEventLine.safeParse(JSON.parse(line))
        expect(parsed.ok).toBe(schema.success)
        if (parsed.ok && schema.success) expect(parsed.event).toStrictEqual(schema.data)
      }),
      { numRuns: 3000 },
    )
  })

  it('refuses numbers JSON reads as infinite, as the schema does', () => {
    const base = '"eventId":"e1","tenant":"acme","source":"web"'
    expect(parseEventLine(`{${base},"timestamp":1e400}`).ok).toBe(false)
    expect(parseEventLine(`{${base},"timestamp":1,"attributes":{"n":-1e400}}`).ok).toBe(false)
    const id = `{${base},"timestamp":1,"identifiers":[{"type":"phone","value":1e400}]}`
    expect(parseEventLine(id).ok).toBe(false)
    expect(contactEventLine.safeParse(JSON.parse(id)).success).toBe(false)
  })
})
