import { describe, expect, it } from 'vitest'
import { stateKeys, type StateRecord } from '../../../src/core/resolver.js'
import { given } from '../../support/resolver-driver.js'
import { withDeviceIds } from './identity-fixture.js'

const config = withDeviceIds()

function devices(n: number, prefix: string): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}-${i}`)
}

const record = (map: Map<string, StateRecord>, key: string) => map.get(key)

describe('union-find state', () => {
  it('a merge costs the same writes whether the survivor holds 2 links or 20,000', async () => {
    const writesOfMerge = async (n: number) => {
      const d = await given(config, [
        { ids: { customer_id: 'C1', device_id: devices(n, 'd') } },
        { ids: { email: 'a@x.com' } },
      ])
      const r = await d.send({ ids: { customer_id: 'C1', email: 'a@x.com' } })
      expect(r.outputs.filter((o) => o.kind === 'merged')).toHaveLength(1)
      return r.writes.map((w) => stateKeys.parseKey(w.key)?.kind).sort()
    }
    const small = await writesOfMerge(2)
    const large = await writesOfMerge(20_000)
    expect(large).toEqual(small)
    expect(small.filter((k) => k === 'link')).toEqual([])
    expect(small.filter((k) => k === 'profile')).toHaveLength(2) // root record + one pointer
  })

  it('link records keep the id they were attached to; retired ids point into the set', async () => {
    const d = await given(config, [
      { eventId: 'e1', ids: { customer_id: 'C1' } },
      { eventId: 'e2', source: 'store', ids: { email: 'a@x.com' } },
      { eventId: 'e3', ids: { customer_id: 'C1', email: 'a@x.com' } },
    ])
    const [c1, loose] = d.outcomes.map((o) => o.profileId as string) as [string, string]
    const link = record(d.state.map, stateKeys.linkKey('acme', 'email', 'a@x.com'))
    expect(link).toEqual({
      type: 'link',
      profileId: loose,
      attachedBy: { eventId: 'e2', timestamp: expect.any(Number), source: 'store', sequence: 2 },
    })
    expect(record(d.state.map, stateKeys.profileKey('acme', loose))).toEqual({
      type: 'pointer',
      parent: c1,
    })
  })

  it('union by size keeps the larger root; the survivor id stays the public one', async () => {
    const d = await given(config, [
      { ids: { email: 'a@x.com' } },
      { ids: { email: 'b@x.com' } },
      { ids: { email: ['a@x.com', 'b@x.com'] } }, // set {A, B}, root A
      { ids: { customer_id: 'C1' } }, // anchored, size 1
      { ids: { customer_id: 'C1', email: 'a@x.com' } },
    ])
    const [a, b, , c1] = d.outcomes.map((o) => o.profileId as string) as [
      string,
      string,
      string,
      string,
    ]
    const root = record(d.state.map, stateKeys.profileKey('acme', a))
    expect(root).toMatchObject({ type: 'profile', profileId: c1, size: 3 })
    expect(record(d.state.map, stateKeys.profileKey('acme', c1))).toEqual({
      type: 'pointer',
      parent: a,
    })
    expect(await d.lookup(c1)).toMatchObject({ profileId: c1, retired: false })
    expect(await d.lookup(a)).toMatchObject({ profileId: c1, retired: true })
    expect(await d.lookup(b)).toMatchObject({ profileId: c1, retired: true })
  })

  it('keeps the evidence of every merge in the root, in event order', async () => {
    const d = await given(config, [
      { eventId: 'e1', ids: { email: 'a@x.com' } },
      { eventId: 'e2', ids: { email: 'b@x.com' } },
      { eventId: 'e3', ids: { email: 'c@x.com' } },
      { eventId: 'e4', ids: { email: ['a@x.com', 'b@x.com'] } },
      { eventId: 'e5', ids: { email: ['b@x.com', 'c@x.com'] } },
    ])
    const found = await d.lookupIdentifier('email', 'c@x.com')
    const [a, b, c] = d.outcomes.map((o) => o.profileId as string)
    const root = [...d.state.map.values()].find((r) => r.type === 'profile')
    const merges = root?.type === 'profile' ? root.retiredBy : []
    expect(found?.profileId).toBe(a)
    expect(
      merges
        .map((m) => [m.survivor, m.merged, m.via?.value, m.by.eventId])
        .sort((x, y) => String(x[3]).localeCompare(String(y[3]))),
    ).toEqual([
      [a, b, 'b@x.com', 'e4'],
      [a, c, 'c@x.com', 'e5'],
    ])
  })

  it('compresses find paths and reads state in a few batched rounds per event', async () => {
    const d = await given(config)
    // build a chain: each new anchored-free profile is merged into a growing set
    for (let i = 0; i < 6; i++) await d.send({ ids: { device_id: `x${i}` } })
    for (let i = 1; i < 6; i++) await d.send({ ids: { device_id: [`x0`, `x${i}`] } })
    const before = d.state.rounds
    await d.send({ ids: { device_id: ['x1', 'x2', 'x3', 'x4', 'x5', 'fresh'] } })
    expect(d.state.rounds - before).toBeLessThanOrEqual(3)
    for (const [key, rec] of d.state.map) {
      if (rec.type !== 'pointer') continue
      const parent = d.state.map.get(stateKeys.profileKey('acme', rec.parent))
      expect(parent?.type, key).toBe('profile')
    }
  })

  it.each([
    [40, 40],
    [3, 500],
    [500, 3],
  ])('a merge of %i and %i links keeps every identifier, sorted', async (left, right) => {
    const d = await given(config, [
      { ids: { device_id: devices(left, 'a') } },
      { ids: { device_id: devices(right, 'b') } },
    ])
    const r = await d.send({ ids: { device_id: ['a-0', 'b-0'] } })
    const ids = (await d.lookup(r.outcome.profileId))?.profile.identifiers.map((i) => i.value)
    expect(ids).toEqual([...devices(left, 'a'), ...devices(right, 'b')].sort())
  })

  it('a typical event reads state in two batched rounds, a duplicate in one', async () => {
    const d = await given(config, [{ eventId: 'a', ids: { customer_id: 'C1', email: 'a@x.com' } }])
    let before = d.state.rounds
    await d.send({
      eventId: 'b',
      ids: { customer_id: 'C1', email: 'a@x.com', phone: '+12125550100' },
    })
    expect(d.state.rounds - before).toBe(2)
    before = d.state.rounds
    await d.send({ eventId: 'c', ids: { email: 'new@x.com', loyalty_card: 'L1' } })
    expect(d.state.rounds - before).toBe(2)
    before = d.state.rounds
    await d.send({ eventId: 'b', ids: { customer_id: 'C1' } })
    expect(d.state.rounds - before).toBe(1)
  })
})
