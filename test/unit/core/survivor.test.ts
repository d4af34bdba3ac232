import { describe, expect, it } from 'vitest'
import { given, outputsOf } from '../../support/resolver-driver.js'
import { identityConfig } from './identity-fixture.js'

// Spec rule 6: the anchored profile survives, else the oldest; retired ids resolve to it.
describe('rule 6: survivor and retired ids', () => {
  it('the anchored profile survives even when the un-anchored one is older', async () => {
    const d = await given(identityConfig(), [
      { ids: { email: 'ann@x.com' }, timestamp: 1_000 },
      { ids: { customer_id: 'C1' }, timestamp: 5_000 },
    ])
    const [old, anchored] = d.outcomes.map((o) => o.profileId)
    const r = await d.send({ ids: { customer_id: 'C1', email: 'ann@x.com' }, timestamp: 6_000 })
    expect(r.outcome.profileId).toBe(anchored)
    const survivor = (await d.lookup(anchored as string))?.profile
    expect(survivor?.mergedFrom).toEqual([old])
    expect(survivor?.createdAt).toBe(1_000) // the set existed since its oldest member
  })

  it('emits profile-merged with the via identifier, then a tombstone for the merged id', async () => {
    const d = await given(identityConfig(), [
      { ids: { email: 'a@x.com' } },
      { ids: { email: 'b@x.com' } },
    ])
    const [first, second] = d.outcomes.map((o) => o.profileId)
    const r = await d.send({ eventId: 'join', ids: { email: ['a@x.com', 'b@x.com'] } })
    expect(r.outputs.slice(0, 2)).toEqual([
      {
        kind: 'merged',
        tenant: 'acme',
        survivor: first,
        merged: second,
        via: { type: 'email', value: 'b@x.com' },
        eventId: 'join',
        timestamp: expect.any(Number),
      },
      { kind: 'profile', tenant: 'acme', profileId: second, profile: null },
    ])
  })

  it('equal creation times: the earlier input position is the oldest', async () => {
    const d = await given(identityConfig(), [
      { ids: { email: 'a@x.com' }, timestamp: 1_000 },
      { ids: { email: 'b@x.com' }, timestamp: 1_000 },
    ])
    const r = await d.send({ ids: { email: ['b@x.com', 'a@x.com'] } })
    expect(r.outcome.profileId).toBe(d.outcomes[0]?.profileId)
  })

  it('an id retired through a chain of merges still resolves to the final survivor', async () => {
    const d = await given(identityConfig(), [
      { ids: { email: 'a@x.com' } },
      { ids: { email: 'b@x.com' } },
      { ids: { email: 'c@x.com' } },
      { ids: { email: ['b@x.com', 'c@x.com'] } },
      { ids: { customer_id: 'C1' } },
      { ids: { email: ['a@x.com', 'b@x.com'] } },
      { ids: { customer_id: 'C1', email: 'c@x.com' } },
    ])
    const c1 = d.outcomes[4]?.profileId
    for (const o of d.outcomes.slice(0, 3)) {
      expect(await d.lookup(o.profileId as string)).toMatchObject({ profileId: c1, retired: true })
    }
    expect(await d.lookup(c1 as string)).toMatchObject({ profileId: c1, retired: false })
    expect((await d.lookup(c1 as string))?.profile.identifiers).toHaveLength(4)
  })

  it('looking up an id that was never issued finds nothing', async () => {
    const d = await given(identityConfig(), [{ ids: { email: 'a@x.com' } }])
    expect(await d.lookup('p_nope')).toBeNull()
  })

  it('merge-refused and merged are never both emitted for the same pair', async () => {
    const d = await given(identityConfig(), [{ ids: { email: 'a@x.com' } }])
    const r = await d.send({ ids: { email: 'a@x.com' } })
    expect(outputsOf(r.outputs, 'merged')).toEqual([])
    expect(outputsOf(r.outputs, 'merge-refused')).toEqual([])
  })
})
