import { describe, expect, it } from 'vitest'
import { given, outputsOf } from '../../support/resolver-driver.js'
import { identityConfig } from './identity-fixture.js'

// Spec rule 3: with an anchor, the target is the anchor's profile (or a new anchored one).
describe('rule 3: events with an anchor', () => {
  it('an anchor names the same profile forever and attaches unheld links to it', async () => {
    const d = await given(identityConfig(), [{ ids: { customer_id: 'C1' } }])
    const p = d.outcomes[0]?.profileId
    const r = await d.send({ ids: { customer_id: 'C1', email: 'ann@x.com' } })
    expect(r.outcome.profileId).toBe(p)
    expect(outputsOf(r.outputs, 'merged')).toEqual([])
    expect(await d.profileOf('email', 'ann@x.com')).toBe(p)
  })

  it('a new anchor creates a new anchored profile', async () => {
    const d = await given(identityConfig(), [{ ids: { customer_id: 'C1' } }])
    const r = await d.send({ ids: { customer_id: 'C2' } })
    expect(r.outcome.profileId).not.toBe(d.outcomes[0]?.profileId)
    expect((await d.lookup(r.outcome.profileId as string))?.profile.anchor).toEqual({
      type: 'customer_id',
      value: 'C2',
    })
  })

  it('merges an un-anchored profile holding one of the links into the anchored target', async () => {
    const d = await given(identityConfig(), [
      { ids: { customer_id: 'C1' } },
      { ids: { email: 'ann@x.com' }, attributes: { first_name: 'Ann' } },
    ])
    const [anchored, loose] = d.outcomes.map((o) => o.profileId)
    const r = await d.send({ ids: { customer_id: 'C1', email: 'ann@x.com' } })
    expect(outputsOf(r.outputs, 'merged')).toEqual([
      expect.objectContaining({
        survivor: anchored,
        merged: loose,
        via: { type: 'email', value: 'ann@x.com' },
      }),
    ])
    expect((await d.lookup(anchored as string))?.profile.attributes).toEqual({ first_name: 'Ann' })
  })

  it('a new anchor with a link held by an un-anchored profile: new anchored profile, the other merged into it', async () => {
    const d = await given(identityConfig(), [{ ids: { email: 'ann@x.com' } }])
    const loose = d.outcomes[0]?.profileId
    const r = await d.send({ ids: { customer_id: 'C1', email: 'ann@x.com' } })
    expect(r.outcome.profileId).not.toBe(loose)
    expect(outputsOf(r.outputs, 'merged')[0]).toMatchObject({
      survivor: r.outcome.profileId,
      merged: loose,
    })
  })

  it('reassigns a link held by another anchored profile; that profile keeps the rest', async () => {
    const d = await given(identityConfig(), [
      { ids: { customer_id: 'C1', phone: '+12125550100', email: 'ann@x.com' } },
    ])
    const c1 = d.outcomes[0]?.profileId
    const r = await d.send({ eventId: 'move', ids: { customer_id: 'C2', phone: '+12125550100' } })
    const c2 = r.outcome.profileId
    expect(outputsOf(r.outputs, 'reassigned')).toEqual([
      expect.objectContaining({
        link: { type: 'phone', value: '+12125550100' },
        from: c1,
        to: c2,
        eventId: 'move',
      }),
    ])
    expect(outputsOf(r.outputs, 'merged')).toEqual([])
    const loser = outputsOf(r.outputs, 'profile').find((o) => o.profileId === c1)?.profile
    expect(loser?.identifiers).toEqual([
      { type: 'customer_id', value: 'C1' },
      { type: 'email', value: 'ann@x.com' },
    ])
    expect(await d.profileOf('phone', '+12125550100')).toBe(c2)
  })
})
