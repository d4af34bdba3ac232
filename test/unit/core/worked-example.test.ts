import { describe, expect, it } from 'vitest'
import { given, outputsOf } from '../../support/resolver-driver.js'
import { identityConfig } from './identity-fixture.js'

// The spec's worked example (Retail Rocket's customer card). The spec writes the phone as
// "+1 555 0100"; a real, valid number stands in for it (see docs/resolution-rules.md, rule 1).
describe("the spec's worked example", () => {
  it('builds one card from web, call centre and store, then moves the card to its new owner', async () => {
    const d = await given(identityConfig())
    const p1 = (await d.send({ source: 'web', ids: { customer_id: 'C1', email: 'ann@x.com' } }))
      .outcome.profileId
    const p2 = (
      await d.send({
        source: 'call_center',
        ids: { phone: '+1 212 555 0100' },
        attributes: { first_name: 'Ann', points: 40 },
      })
    ).outcome.profileId
    const p3 = (await d.send({ source: 'store', ids: { loyalty_card: 'L9' } })).outcome.profileId
    expect(new Set([p1, p2, p3]).size).toBe(3)

    // step 4: P2 and P3 merge into P1
    const step4 = await d.send({
      source: 'web',
      ids: { customer_id: 'C1', phone: '(212) 555-0100', loyalty_card: 'L9' },
    })
    expect(step4.outcome.profileId).toBe(p1)
    const merged = outputsOf(step4.outputs, 'merged')
    expect(merged.map((m) => [m.survivor, m.merged, m.via])).toEqual([
      [p1, p2, { type: 'phone', value: '+12125550100' }],
      [p1, p3, { type: 'loyalty_card', value: 'L9' }],
    ])
    const tombstones = outputsOf(step4.outputs, 'profile').filter((o) => o.profile === null)
    expect(tombstones.map((t) => t.profileId).sort()).toEqual([p2, p3].sort())
    const card = outputsOf(step4.outputs, 'profile').at(-1)?.profile
    expect(card?.profileId).toBe(p1)
    expect(card?.identifiers).toEqual([
      { type: 'customer_id', value: 'C1' },
      { type: 'email', value: 'ann@x.com' },
      { type: 'loyalty_card', value: 'L9' },
      { type: 'phone', value: '+12125550100' },
    ])
    expect(card?.channels).toEqual(['call_center', 'store', 'web'])
    expect(card?.attributes).toEqual({ first_name: 'Ann', points: 40 })

    // step 5: the card changes owner
    const step5 = await d.send({ source: 'store', ids: { customer_id: 'C7', loyalty_card: 'L9' } })
    const p7 = step5.outcome.profileId
    expect(p7).not.toBe(p1)
    expect(outputsOf(step5.outputs, 'reassigned')).toEqual([
      {
        kind: 'reassigned',
        tenant: 'acme',
        link: { type: 'loyalty_card', value: 'L9' },
        from: p1,
        to: p7,
        eventId: step5.outcome.eventId,
        timestamp: expect.any(Number),
      },
    ])
    expect(await d.profileOf('loyalty_card', 'L9')).toBe(p7)
    const p1Now = await d.lookup(p1 as string)
    expect(p1Now?.profile.identifiers.map((i) => i.type)).toEqual(['customer_id', 'email', 'phone'])
    expect((await d.lookup(p7 as string))?.profile.anchor).toEqual({
      type: 'customer_id',
      value: 'C7',
    })

    // step 6: P2 and P3 resolve to P1
    for (const retired of [p2, p3]) {
      const found = await d.lookup(retired as string)
      expect(found).toMatchObject({ requestedId: retired, profileId: p1, retired: true })
    }

    // the partition at the end
    expect(await d.profileOf('email', 'ann@x.com')).toBe(p1)
    expect(await d.profileOf('phone', '+12125550100')).toBe(p1)
    expect(await d.profileOf('customer_id', 'C1')).toBe(p1)
    expect(await d.profileOf('customer_id', 'C7')).toBe(p7)
  })
})
