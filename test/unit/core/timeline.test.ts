import { describe, expect, it } from 'vitest'
import { given } from '../../support/resolver-driver.js'
import { identityConfig, tenantConfig } from './identity-fixture.js'

// Spec rule 8 and the `note` event kind.
describe('rule 8: timeline and notes', () => {
  it('notes from note events and identify events, newest first by event time', async () => {
    const d = await given(identityConfig(), [
      { ids: { customer_id: 'C1' }, timestamp: 1_000, note: 'signed up' },
      {
        type: 'note',
        ids: { customer_id: 'C1' },
        timestamp: 3_000,
        note: 'called about order',
        source: 'call_center',
      },
      {
        type: 'note',
        ids: { customer_id: 'C1' },
        timestamp: 2_000,
        note: 'visited store',
        source: 'store',
      },
    ])
    const p = (await d.lookupIdentifier('customer_id', 'C1'))?.profile
    expect(p?.timeline.map((e) => e.note)).toEqual([
      'called about order',
      'visited store',
      'signed up',
    ])
    expect(p?.channels).toEqual(['call_center', 'store', 'web'])
  })

  it('merged profiles bring their timelines, interleaved and capped', async () => {
    const config = identityConfig(tenantConfig({ timelineCap: 3 }))
    const d = await given(config, [
      { ids: { email: 'a@x.com' }, timestamp: 1_000, note: 'a1' },
      { type: 'note', ids: { email: 'a@x.com' }, timestamp: 4_000, note: 'a4' },
      { ids: { phone: '+12125550100' }, timestamp: 2_000, note: 'b2' },
      { type: 'note', ids: { phone: '+12125550100' }, timestamp: 3_000, note: 'b3' },
      { ids: { email: 'a@x.com', phone: '+12125550100' }, timestamp: 5_000 },
    ])
    const p = (await d.lookupIdentifier('email', 'a@x.com'))?.profile
    expect(p?.timeline.map((e) => e.note)).toEqual(['a4', 'b3', 'b2'])
  })

  it('the cap keeps the newest entries as notes keep coming', async () => {
    const d = await given(identityConfig(tenantConfig({ timelineCap: 2 })), [
      { ids: { customer_id: 'C1' }, timestamp: 1_000, note: 'one' },
      { type: 'note', ids: { customer_id: 'C1' }, timestamp: 2_000, note: 'two' },
      { type: 'note', ids: { customer_id: 'C1' }, timestamp: 3_000, note: 'three' },
    ])
    const p = (await d.lookupIdentifier('customer_id', 'C1'))?.profile
    expect(p?.timeline.map((e) => e.note)).toEqual(['three', 'two'])
  })

  it('a note about unknown identifiers creates nothing', async () => {
    const d = await given(identityConfig())
    const r = await d.send({ type: 'note', ids: { email: 'who@x.com' }, note: 'hello' })
    expect(r.outcome).toMatchObject({ status: 'applied', profileId: null })
    expect(r.outputs).toEqual([])
    expect(await d.profileOf('email', 'who@x.com')).toBeNull()
  })

  it('a note goes to the profile of the strongest identifier and merges nothing', async () => {
    const d = await given(identityConfig(), [
      { ids: { email: 'a@x.com' } },
      { ids: { phone: '+12125550100' } },
    ])
    const r = await d.send({
      type: 'note',
      ids: { email: 'a@x.com', phone: '+12125550100' },
      note: 'n',
    })
    expect(r.outcome.profileId).toBe(d.outcomes[0]?.profileId)
    expect(r.outputs.map((o) => o.kind)).toEqual(['profile'])
  })
})
