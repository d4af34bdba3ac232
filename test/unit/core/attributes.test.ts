import { describe, expect, it } from 'vitest'
import { given, type EventInput } from '../../support/resolver-driver.js'
import { identityConfig } from './identity-fixture.js'

async function profileAfter(events: Parameters<typeof given>[1]) {
  const d = await given(identityConfig(), events)
  return (await d.lookupIdentifier('customer_id', 'C1'))?.profile
}

// Spec rule 7: typed attributes, "valuable" content, source priority, then recency.
describe('rule 7: attributes', () => {
  it('empty values never overwrite', async () => {
    const p = await profileAfter([
      { ids: { customer_id: 'C1' }, attributes: { first_name: 'Ann', points: 3 } },
      { ids: { customer_id: 'C1' }, attributes: { first_name: '  ', points: null } },
    ])
    expect(p?.attributes).toEqual({ first_name: 'Ann', points: 3 })
  })

  it('a stronger source wins over a later event from a weaker one', async () => {
    const p = await profileAfter([
      {
        ids: { customer_id: 'C1' },
        source: 'crm',
        timestamp: 1_000,
        attributes: { first_name: 'Ann' },
      },
      {
        ids: { customer_id: 'C1' },
        source: 'store',
        timestamp: 9_000,
        attributes: { first_name: 'Annie' },
      },
    ])
    expect(p?.attributes.first_name).toBe('Ann')
    expect(p?.provenance.first_name).toMatchObject({ source: 'crm', timestamp: 1_000 })
  })

  it('unlisted sources rank after every listed one', async () => {
    const p = await profileAfter([
      {
        ids: { customer_id: 'C1' },
        source: 'call_center',
        timestamp: 1_000,
        attributes: { points: 1 },
      },
      {
        ids: { customer_id: 'C1' },
        source: 'partner_feed',
        timestamp: 9_000,
        attributes: { points: 2 },
      },
    ])
    expect(p?.attributes.points).toBe(1)
  })

  it('same source: the later event timestamp wins, not the arrival order', async () => {
    const p = await profileAfter([
      { ids: { customer_id: 'C1' }, timestamp: 5_000, attributes: { first_name: 'New' } },
      { ids: { customer_id: 'C1' }, timestamp: 1_000, attributes: { first_name: 'Old' } },
    ])
    expect(p?.attributes.first_name).toBe('New')
  })

  it('same source and timestamp: the later input position wins', async () => {
    const p = await profileAfter([
      { ids: { customer_id: 'C1' }, timestamp: 5_000, attributes: { first_name: 'First' } },
      { ids: { customer_id: 'C1' }, timestamp: 5_000, attributes: { first_name: 'Second' } },
    ])
    expect(p?.attributes.first_name).toBe('Second')
  })

  it('parses each field to its type and reports what does not parse or is unknown', async () => {
    const d = await given(identityConfig())
    const r = await d.send({
      ids: { customer_id: 'C1' },
      attributes: {
        first_name: ' Ann ',
        points: '42',
        birthday: '1990-05-01',
        vip: 'TRUE',
        shoe_size: 40,
      },
    })
    expect(r.outcome.droppedAttributes).toEqual([{ field: 'shoe_size', reason: 'unknown-field' }])
    expect((await d.lookup(r.outcome.profileId as string))?.profile.attributes).toEqual({
      first_name: 'Ann',
      points: 42,
      birthday: '1990-05-01',
      vip: true,
    })
    const bad = await d.send({
      ids: { customer_id: 'C1' },
      attributes: { points: 'lots', birthday: '1990-02-30', vip: 'maybe', first_name: {} as never },
    })
    expect(bad.outcome.droppedAttributes.map((x) => [x.field, x.reason])).toEqual([
      ['points', 'type-mismatch'],
      ['birthday', 'type-mismatch'],
      ['vip', 'type-mismatch'],
      ['first_name', 'type-mismatch'],
    ])
  })

  it('datetimes are stored in UTC, so equal instants from different zones are equal', async () => {
    const d = await given(identityConfig())
    const r = await d.send({
      ids: { customer_id: 'C1' },
      attributes: { birthday: '2024-03-01T10:00:00+02:00' },
    })
    expect((await d.lookup(r.outcome.profileId as string))?.profile.attributes.birthday).toBe(
      '2024-03-01T08:00:00.000Z',
    )
  })

  it('a merge picks each field by the same rule, whichever profile survives', async () => {
    const events: EventInput[] = [
      {
        ids: { email: 'a@x.com' },
        source: 'crm',
        timestamp: 1_000,
        attributes: { first_name: 'Ann' },
      },
      {
        ids: { phone: '+12125550100' },
        source: 'web',
        timestamp: 9_000,
        attributes: { first_name: 'Annie', points: 7 },
      },
    ]
    // once the email profile is older (it survives), once the phone profile is
    const a = await given(identityConfig(), events)
    const b = await given(identityConfig(), [
      { ...(events[1] as EventInput), timestamp: 500 },
      events[0] as EventInput,
    ])
    const ra = await a.send({
      ids: { email: 'a@x.com', phone: '+12125550100' },
      source: 'x',
      timestamp: 10_000,
    })
    const rb = await b.send({
      ids: { email: 'a@x.com', phone: '+12125550100' },
      source: 'x',
      timestamp: 10_000,
    })
    const pa = (await a.lookup(ra.outcome.profileId as string))?.profile
    const pb = (await b.lookup(rb.outcome.profileId as string))?.profile
    expect(ra.outcome.profileId).toBe(a.outcomes[0]?.profileId)
    expect(rb.outcome.profileId).toBe(b.outcomes[0]?.profileId)
    expect(pa?.attributes).toEqual({ first_name: 'Ann', points: 7 })
    expect(pb?.attributes).toEqual({ first_name: 'Ann', points: 7 })
  })
})
