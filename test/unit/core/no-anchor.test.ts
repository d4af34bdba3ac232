import { describe, expect, it } from 'vitest'
import { given, outputsOf } from '../../support/resolver-driver.js'
import { identityConfig } from './identity-fixture.js'

// Spec rule 4: events without an anchor.
describe('rule 4: events without an anchor', () => {
  it('links nobody holds make a new un-anchored profile', async () => {
    const d = await given(identityConfig())
    const r = await d.send({ ids: { email: 'ann@x.com', phone: '+12125550100' } })
    const profile = (await d.lookup(r.outcome.profileId as string))?.profile
    expect(profile?.anchor).toBeNull()
    expect(profile?.identifiers).toHaveLength(2)
  })

  it('two un-anchored profiles: the oldest is the target and the other merges into it', async () => {
    const d = await given(identityConfig(), [
      { ids: { phone: '+12125550100' }, timestamp: 2_000 },
      { ids: { email: 'ann@x.com' }, timestamp: 1_000 }, // older by event time
    ])
    const [byPhone, byEmail] = d.outcomes.map((o) => o.profileId)
    const r = await d.send({ ids: { email: 'ann@x.com', phone: '+12125550100' }, timestamp: 3_000 })
    expect(r.outcome.profileId).toBe(byEmail)
    expect(outputsOf(r.outputs, 'merged')).toEqual([
      expect.objectContaining({ survivor: byEmail, merged: byPhone }),
    ])
  })

  it('one anchored holder is the target, even if younger', async () => {
    const d = await given(identityConfig(), [
      { ids: { email: 'ann@x.com' }, timestamp: 1_000 },
      { ids: { customer_id: 'C1', phone: '+12125550100' }, timestamp: 2_000 },
    ])
    const [loose, anchored] = d.outcomes.map((o) => o.profileId)
    const r = await d.send({ ids: { email: 'ann@x.com', phone: '+12125550100' } })
    expect(r.outcome.profileId).toBe(anchored)
    expect(outputsOf(r.outputs, 'merged')[0]).toMatchObject({ survivor: anchored, merged: loose })
  })

  it('two anchored holders: nothing merged between them, no link moved, target by strongest identifier, ambiguity reported', async () => {
    const d = await given(identityConfig(), [
      { ids: { customer_id: 'C1', phone: '+12125550100' } },
      { ids: { customer_id: 'C2', email: 'ann@x.com' } },
      { ids: { loyalty_card: 'L9' } },
    ])
    const [c1, c2, loose] = d.outcomes.map((o) => o.profileId)
    // email (priority 2) is stronger than phone (priority 3): C2's profile is the target
    const r = await d.send({
      ids: { phone: '+12125550100', email: 'ann@x.com', loyalty_card: 'L9' },
      attributes: { first_name: 'Ann' },
    })
    expect(r.outcome).toMatchObject({ profileId: c2, ambiguous: true })
    expect(outputsOf(r.outputs, 'merged')).toEqual([
      expect.objectContaining({ survivor: c2, merged: loose }),
    ])
    expect(outputsOf(r.outputs, 'reassigned')).toEqual([])
    expect(await d.profileOf('phone', '+12125550100')).toBe(c1)
    expect(await d.profileOf('loyalty_card', 'L9')).toBe(c2)
    expect((await d.lookup(c1 as string))?.profile.attributes).toEqual({})
    expect((await d.lookup(c2 as string))?.profile.attributes).toEqual({ first_name: 'Ann' })
  })

  it('an ambiguous event attaches its unheld links to the target only', async () => {
    const d = await given(identityConfig(), [
      { ids: { customer_id: 'C1', phone: '+12125550100' } },
      { ids: { customer_id: 'C2', email: 'ann@x.com' } },
    ])
    const c2 = d.outcomes[1]?.profileId
    await d.send({ ids: { phone: '+12125550100', email: 'ann@x.com', loyalty_card: 'L5' } })
    expect(await d.profileOf('loyalty_card', 'L5')).toBe(c2)
  })

  it('the order identifiers are listed in does not change the result', async () => {
    const setup = [
      { ids: { customer_id: 'C1', phone: '+12125550100' } },
      { ids: { customer_id: 'C2', email: 'ann@x.com' } },
    ]
    const a = await given(identityConfig(), setup)
    const b = await given(identityConfig(), setup)
    const ra = await a.send({
      identifiers: [
        { type: 'phone', value: '+12125550100' },
        { type: 'email', value: 'ann@x.com' },
      ],
    })
    const rb = await b.send({
      identifiers: [
        { type: 'email', value: 'ann@x.com' },
        { type: 'phone', value: '+12125550100' },
      ],
    })
    expect(ra.outcome.profileId).toBe(rb.outcome.profileId)
  })
})
