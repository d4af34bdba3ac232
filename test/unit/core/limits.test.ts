import { describe, expect, it } from 'vitest'
import { given, outputsOf } from '../../support/resolver-driver.js'
import { identityConfig } from './identity-fixture.js'

// Spec rule 5: limits stop shared or test values from fusing people into a super-profile.
describe('rule 5: limits', () => {
  it('a link past its type limit is not attached and the outcome says limit-exceeded', async () => {
    const d = await given(identityConfig(), [{ ids: { customer_id: 'C1', loyalty_card: 'L1' } }])
    const r = await d.send({ ids: { customer_id: 'C1', loyalty_card: 'L2' } })
    expect(r.outcome.dropped).toEqual([
      { identifier: { type: 'loyalty_card', value: 'L2' }, reason: 'limit-exceeded' },
    ])
    expect(await d.profileOf('loyalty_card', 'L2')).toBeNull()
  })

  it('limits count within one event too: strongest values first, deterministically', async () => {
    const d = await given(identityConfig())
    const r = await d.send({
      ids: { phone: ['+12125550104', '+12125550103', '+12125550102', '+12125550101'] },
    })
    expect(r.outcome.dropped).toEqual([
      { identifier: { type: 'phone', value: '+12125550104' }, reason: 'limit-exceeded' },
    ])
  })

  it('refuses a merge that would exceed a limit; the event data goes to the target only', async () => {
    const d = await given(identityConfig(), [
      { ids: { customer_id: 'C1', loyalty_card: 'L1' } },
      { ids: { email: 'ann@x.com', loyalty_card: 'L2' } },
    ])
    const [target, other] = d.outcomes.map((o) => o.profileId)
    const r = await d.send({
      eventId: 'fuse',
      ids: { customer_id: 'C1', email: 'ann@x.com' },
      attributes: { first_name: 'Ann' },
    })
    expect(outputsOf(r.outputs, 'merge-refused')).toEqual([
      expect.objectContaining({
        target,
        refused: other,
        limitType: 'loyalty_card',
        via: { type: 'email', value: 'ann@x.com' },
        eventId: 'fuse',
      }),
    ])
    expect(outputsOf(r.outputs, 'merged')).toEqual([])
    expect(await d.profileOf('email', 'ann@x.com')).toBe(other)
    expect((await d.lookup(target as string))?.profile.attributes).toEqual({ first_name: 'Ann' })
    expect((await d.lookup(other as string))?.profile.attributes).toEqual({})
  })

  it('a shared value cannot fuse many people: each extra merge is refused once the limit is reached', async () => {
    const d = await given(identityConfig())
    for (let i = 0; i < 5; i++) await d.send({ ids: { phone: `+1212555010${i}` } })
    const r = await d.send({
      ids: { phone: ['+12125550100', '+12125550101', '+12125550102', '+12125550103'] },
    })
    expect(outputsOf(r.outputs, 'merged')).toHaveLength(2)
    expect(outputsOf(r.outputs, 'merge-refused')).toHaveLength(1)
    expect((await d.lookup(r.outcome.profileId as string))?.profile.identifiers).toHaveLength(3)
  })

  it('a reassignment that would pass the limit is not made: the link stays with its holder', async () => {
    const d = await given(identityConfig(), [
      { ids: { customer_id: 'C1', loyalty_card: 'L1' } },
      { ids: { customer_id: 'C2', loyalty_card: 'L2' } },
    ])
    const [c1] = d.outcomes.map((o) => o.profileId)
    const r = await d.send({ ids: { customer_id: 'C2', loyalty_card: 'L1' } })
    expect(outputsOf(r.outputs, 'reassigned')).toEqual([])
    expect(r.outcome.dropped).toEqual([
      { identifier: { type: 'loyalty_card', value: 'L1' }, reason: 'limit-exceeded' },
    ])
    expect(await d.profileOf('loyalty_card', 'L1')).toBe(c1)
  })

  it('after a reassignment the old holder has room again under the limit', async () => {
    const d = await given(identityConfig(), [
      { ids: { customer_id: 'C1', loyalty_card: 'L1' } },
      { ids: { customer_id: 'C2', loyalty_card: 'L1' } },
    ])
    const r = await d.send({ ids: { customer_id: 'C1', loyalty_card: 'L3' } })
    expect(r.outcome.dropped).toEqual([])
    expect(await d.profileOf('loyalty_card', 'L3')).toBe(d.outcomes[0]?.profileId)
  })
})
