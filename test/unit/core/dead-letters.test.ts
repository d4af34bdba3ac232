import { describe, expect, it } from 'vitest'
import { given, outputsOf } from '../../support/resolver-driver.js'
import { identityConfig } from './identity-fixture.js'

// Spec rule 2: no identifier left, or two different anchors → dead-letter with the reason.
describe('rule 2: dead-letters', () => {
  it('dead-letters an event with no usable identifier, writes nothing, and lists what was dropped', async () => {
    const d = await given(identityConfig())
    const r = await d.send({ eventId: 'e-x', ids: { email: 'null', phone: 'abc' } })
    expect(r.writes).toEqual([])
    expect(r.outcome).toMatchObject({ status: 'dead-lettered', profileId: null })
    expect(r.outcome.dropped.map((x) => x.reason)).toEqual(['blocked', 'invalid'])
    expect(outputsOf(r.outputs, 'dead-letter')).toEqual([
      expect.objectContaining({ tenant: 'acme', eventId: 'e-x', reason: 'no-identifiers' }),
    ])
  })

  it('dead-letters two different anchors as conflicting-anchors', async () => {
    const r = await (await given(identityConfig())).send({ ids: { customer_id: ['C1', 'C2'] } })
    expect(r.writes).toEqual([])
    expect(outputsOf(r.outputs, 'dead-letter')[0]?.reason).toBe('conflicting-anchors')
  })

  it('the same anchor twice (after normalisation) is not a conflict', async () => {
    const r = await (await given(identityConfig())).send({ ids: { customer_id: ['C1', ' C1 '] } })
    expect(r.outcome.status).toBe('applied')
  })

  it('dead-letters a malformed event instead of throwing', async () => {
    const d = await given(identityConfig())
    const event = { ...d.event({ ids: { email: 'a@b.co' } }), timestamp: Number.NaN }
    const r = await d.send(event)
    expect(outputsOf(r.outputs, 'dead-letter')[0]).toMatchObject({ reason: 'invalid-event' })
  })

  it('dead-letters events of a tenant that is not configured when there is no "*"', async () => {
    const d = await given(identityConfig(null, {}))
    const r = await d.send({ ids: { email: 'a@b.co' } })
    expect(outputsOf(r.outputs, 'dead-letter')[0]).toMatchObject({
      reason: 'invalid-event',
      detail: 'tenant is not configured',
    })
  })
})

describe('events from untyped input', () => {
  it('dead-letters a note that is not text instead of throwing', async () => {
    const d = await given(identityConfig())
    const event = { ...d.event({ ids: { email: 'a@b.co' } }), note: 42 as unknown as string }
    const r = await d.send(event)
    expect(outputsOf(r.outputs, 'dead-letter')[0]).toMatchObject({
      reason: 'invalid-event',
      detail: 'note is not text',
    })
  })

  it('reports a malformed identifier entry as unknown-type and keeps the rest', async () => {
    const d = await given(identityConfig())
    const event = d.event({ ids: { email: 'a@b.co' } })
    const r = await d.send({
      ...event,
      identifiers: [...event.identifiers, null as unknown as { type: string; value: string }],
    })
    expect(r.outcome.status).toBe('applied')
    expect(r.outcome.dropped).toEqual([
      { identifier: { type: '', value: '' }, reason: 'unknown-type' },
    ])
  })
})

describe('never throws on malformed input', () => {
  const base = {
    eventId: 'x',
    tenant: 'acme',
    type: 'identify',
    source: 'web',
    timestamp: 1,
    identifiers: [{ type: 'email', value: 'a@b.co' }],
    attributes: {},
    note: null,
  }
  it.each([
    ['no eventId', { ...base, eventId: undefined }],
    ['tenant a number', { ...base, tenant: 7 }],
    ['identifiers an object', { ...base, identifiers: { email: 'a@b.co' } }],
    ['identifier value a number', { ...base, identifiers: [{ type: 'email', value: 5 }] }],
    ['attributes a list', { ...base, attributes: ['a'] }],
    ['attribute value an object', { ...base, attributes: { first_name: { a: 1 }, birthday: [] } }],
    ['unknown event type', { ...base, type: 'merge' }],
    ['the event is null', null],
  ])('%s → a decision, not an exception', async (_name, event) => {
    const d = await given(identityConfig())
    const r = await d.resolver.decide(event as never, { sequence: 1 }, d.state)
    expect(['applied', 'dead-lettered']).toContain(r.outcome.status)
  })
})
