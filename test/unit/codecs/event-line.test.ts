import { describe, expect, it } from 'vitest'
import { parseEventLine } from '../../../src/codecs/event-line.js'

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
