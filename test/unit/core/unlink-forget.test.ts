import { describe, expect, it } from 'vitest'
import { given, outputsOf } from '../../support/resolver-driver.js'
import { identityConfig, tenantConfig } from './identity-fixture.js'

describe('unlink', () => {
  it('detaches the links from whoever holds them; the profile keeps the rest', async () => {
    const d = await given(identityConfig(), [
      {
        ids: { customer_id: 'C1', email: 'a@x.com', phone: '+12125550100' },
        attributes: { points: 5 },
      },
    ])
    const p = d.outcomes[0]?.profileId
    const r = await d.send({ type: 'unlink', ids: { phone: '+1 (212) 555-0100' } })
    expect(r.outcome.profileId).toBe(p)
    const snapshot = outputsOf(r.outputs, 'profile')[0]?.profile
    expect(snapshot?.identifiers.map((i) => i.type)).toEqual(['customer_id', 'email'])
    expect(snapshot?.attributes).toEqual({ points: 5 })
    expect(await d.profileOf('phone', '+12125550100')).toBeNull()
  })

  it('an unlinked value can be attached again, and frees room under the limit', async () => {
    const d = await given(identityConfig(), [
      { ids: { customer_id: 'C1', loyalty_card: 'L1' } },
      { type: 'unlink', ids: { loyalty_card: 'L1' } },
    ])
    const r = await d.send({ ids: { customer_id: 'C1', loyalty_card: 'L2' } })
    expect(r.outcome.dropped).toEqual([])
    expect(await d.profileOf('loyalty_card', 'L2')).toBe(d.outcomes[0]?.profileId)
  })

  it('an anchor cannot be unlinked', async () => {
    const d = await given(identityConfig(), [{ ids: { customer_id: 'C1' } }])
    const r = await d.send({ type: 'unlink', ids: { customer_id: 'C1' } })
    expect(r.outcome.dropped).toEqual([
      { identifier: { type: 'customer_id', value: 'C1' }, reason: 'anchor-not-linkable' },
    ])
    expect(await d.profileOf('customer_id', 'C1')).toBe(d.outcomes[0]?.profileId)
  })

  it('unlinking a link that moved by merge detaches it from the survivor', async () => {
    const d = await given(identityConfig(), [
      { ids: { customer_id: 'C1' } },
      { ids: { email: 'a@x.com' } },
      { ids: { customer_id: 'C1', email: 'a@x.com' } },
      { type: 'unlink', ids: { email: 'a@x.com' } },
    ])
    const c1 = d.outcomes[0]?.profileId
    expect((await d.lookup(c1 as string))?.profile.identifiers).toEqual([
      { type: 'customer_id', value: 'C1' },
    ])
  })
})

describe('forget', () => {
  it('deletes the profile: deleted event + tombstone, identifiers freed, retired ids gone too', async () => {
    const d = await given(identityConfig(), [
      {
        ids: { customer_id: 'C1', email: 'a@x.com' },
        attributes: { first_name: 'Ann' },
        note: 'x',
      },
      { ids: { phone: '+12125550100' } },
      { ids: { customer_id: 'C1', phone: '+12125550100' } },
    ])
    const [p, retired] = d.outcomes.map((o) => o.profileId)
    const r = await d.send({ eventId: 'rtbf', type: 'forget', ids: { email: 'a@x.com' } })
    expect(r.outputs).toEqual([
      {
        kind: 'deleted',
        tenant: 'acme',
        profileId: p,
        suppressed: false,
        eventId: 'rtbf',
        timestamp: expect.any(Number),
      },
      { kind: 'profile', tenant: 'acme', profileId: p, profile: null },
    ])
    expect(await d.lookup(p as string)).toBeNull()
    expect(await d.lookup(retired as string)).toBeNull()
    expect(await d.profileOf('customer_id', 'C1')).toBeNull()
    // nothing about the person is left under profile keys: only markers that retire the ids
    const profileRecords = [...d.state.map].filter(([k]) => k.includes('\u001fp\u001f'))
    expect(profileRecords.map(([, r]) => r.type)).toEqual(['forgotten', 'forgotten'])
    // the freed identifiers start a new, empty profile
    const again = await d.send({ ids: { customer_id: 'C1' } })
    expect(again.outcome.profileId).not.toBe(p)
    expect((await d.lookup(again.outcome.profileId as string))?.profile.attributes).toEqual({})
  })

  it('with suppressForgotten, the forgotten identifiers are dropped as suppressed later', async () => {
    const d = await given(identityConfig(tenantConfig({ suppressForgotten: true })), [
      { ids: { customer_id: 'C1', email: 'a@x.com' } },
      { type: 'forget', ids: { customer_id: 'C1' } },
    ])
    expect(outputsOf(d.outputs, 'deleted')[0]?.suppressed).toBe(true)
    const r = await d.send({ ids: { email: 'a@x.com', phone: '+12125550100' } })
    expect(r.outcome.dropped).toEqual([
      { identifier: { type: 'email', value: 'a@x.com' }, reason: 'suppressed' },
    ])
    const only = await d.send({ ids: { customer_id: 'C1' } })
    expect(only.outcome.status).toBe('dead-lettered')
    expect(outputsOf(only.outputs, 'dead-letter')[0]?.reason).toBe('no-identifiers')
  })

  it('forgets only the profile the identifiers resolve to, not others sharing the event', async () => {
    const d = await given(identityConfig(), [
      { ids: { customer_id: 'C1' } },
      { ids: { customer_id: 'C2', email: 'b@x.com' } },
    ])
    await d.send({ type: 'forget', ids: { customer_id: 'C1', email: 'b@x.com' } })
    expect(await d.profileOf('customer_id', 'C1')).toBeNull()
    expect(await d.profileOf('email', 'b@x.com')).toBe(d.outcomes[1]?.profileId)
  })

  it('forgetting someone unknown changes nothing', async () => {
    const r = await (
      await given(identityConfig())
    ).send({ type: 'forget', ids: { email: 'a@x.com' } })
    expect(r.outcome).toMatchObject({ status: 'applied', profileId: null })
    expect(r.outputs).toEqual([])
  })

  it('a forgotten profile id is never issued again, even to an event reusing the eventId', async () => {
    const d = await given(identityConfig(tenantConfig({ idempotenceWindow: 1 })), [
      { eventId: 'e0', ids: { email: 'a@x.com' } },
      { eventId: 'e1', type: 'forget', ids: { email: 'a@x.com' } },
    ])
    const forgotten = d.outcomes[0]?.profileId
    const r = await d.send({ eventId: 'e0', ids: { customer_id: 'C1' } })
    expect(r.outcome.status).toBe('applied')
    expect(r.outcome.profileId).not.toBe(forgotten)
    expect(await d.lookup(forgotten)).toBeNull()
  })
})
