import { describe, expect, it } from 'vitest'
import { stateKeys } from '../../../src/core/resolver.js'
import { given, type ResolverDriver } from '../../support/resolver-driver.js'
import { identityConfig, tenantConfig } from './identity-fixture.js'

/** How many rule-9 records of each kind state holds. */
function ringKinds(d: ResolverDriver): Record<'seen' | 'seen-ring', number> {
  const kinds = [...d.state.map.keys()].map((k) => stateKeys.parseKey(k)?.kind)
  return {
    seen: kinds.filter((k) => k === 'seen').length,
    'seen-ring': kinds.filter((k) => k === 'seen-ring').length,
  }
}

/** Every eventId the tenant's ring records hold. */
function ringEventIds(d: ResolverDriver): string[] {
  const ids: string[] = []
  for (const record of d.state.map.values())
    if (record.type === 'seen-ring') ids.push(...record.eventIds)
  return ids
}

// Spec rule 9: an eventId already applied for the tenant changes nothing and emits nothing.
describe('rule 9: idempotence', () => {
  it('a replayed eventId emits nothing and writes nothing', async () => {
    const d = await given(identityConfig(), [
      { eventId: 'e1', ids: { email: 'a@x.com' }, attributes: { points: 1 } },
    ])
    const r = await d.send({ eventId: 'e1', ids: { email: 'b@x.com' }, attributes: { points: 2 } })
    expect(r.outcome.status).toBe('duplicate')
    expect(r.writes).toEqual([])
    expect(r.outputs).toEqual([])
    expect(await d.profileOf('email', 'b@x.com')).toBeNull()
  })

  it('the same eventId in another tenant is a different event', async () => {
    const d = await given(identityConfig(), [
      { eventId: 'e1', tenant: 'a', ids: { email: 'a@x.com' } },
    ])
    const r = await d.send({ eventId: 'e1', tenant: 'b', ids: { email: 'a@x.com' } })
    expect(r.outcome.status).toBe('applied')
  })

  it('memory is bounded: only the last idempotenceWindow eventIds are remembered', async () => {
    const d = await given(identityConfig(tenantConfig({ idempotenceWindow: 3 })))
    for (let i = 1; i <= 10; i++) await d.send({ eventId: `e${i}`, ids: { email: 'a@x.com' } })
    expect(ringKinds(d)).toEqual({ seen: 0, 'seen-ring': 1 })
    expect(ringEventIds(d).sort()).toEqual(['e10', 'e8', 'e9'])
    expect((await d.send({ eventId: 'e9', ids: { email: 'a@x.com' } })).outcome.status).toBe(
      'duplicate',
    )
    expect((await d.send({ eventId: 'e2', ids: { email: 'a@x.com' } })).outcome.status).toBe(
      'applied',
    )
  })

  it('a window spanning several ring records remembers exactly the last N eventIds', async () => {
    // 150 slots = three ring records, the last one partial; 400 events wrap the ring twice
    const d = await given(identityConfig(tenantConfig({ idempotenceWindow: 150 })))
    for (let i = 1; i <= 400; i++) await d.send({ eventId: `e${i}`, ids: { email: 'a@x.com' } })
    // no record per event: the ring records are the window's only state
    expect(ringKinds(d)).toEqual({ seen: 0, 'seen-ring': Math.ceil(150 / stateKeys.RING_CHUNK) })
    expect(new Set(ringEventIds(d))).toEqual(
      new Set(Array.from({ length: 150 }, (_, i) => `e${251 + i}`)),
    )
    expect((await d.send({ eventId: 'e251', ids: { email: 'a@x.com' } })).outcome.status).toBe(
      'duplicate',
    )
    expect((await d.send({ eventId: 'e250', ids: { email: 'a@x.com' } })).outcome.status).toBe(
      'applied',
    )
  })

  it('dead-lettered events are not remembered (they change nothing)', async () => {
    const d = await given(identityConfig(), [{ eventId: 'e1', ids: { email: 'null' } }])
    const r = await d.send({ eventId: 'e1', ids: { email: 'a@x.com' } })
    expect(r.outcome.status).toBe('applied')
  })
})

describe('rule 9: eviction from the window', () => {
  it('an evicted eventId is applied again even when the evicting event touched no held identifier', async () => {
    const d = await given(identityConfig(tenantConfig({ idempotenceWindow: 1 })), [
      { eventId: 'e0', ids: { phone: '+12125550100' } },
      { eventId: 'e1', ids: { customer_id: 'C1' } }, // a new anchor: nothing held
    ])
    const r = await d.send({ eventId: 'e0', ids: { email: 'ann@x.com' } })
    expect(r.outcome.status).toBe('applied')
  })
})

// Issue 11: an eventId repeated with other content is a producer bug; rule 9 still drops it,
// but the outcome says so (the runtime counts and logs it).
describe('rule 9: conflicting duplicates', () => {
  const first = {
    eventId: 'e1',
    timestamp: 1_700_000_000_000,
    ids: { email: 'ann@x.com', phone: '+12125550100' },
    attributes: { points: 1 },
    note: 'hi',
  }

  it('a redelivery with the same content is a plain duplicate', async () => {
    const d = await given(identityConfig(), [first])
    const r = await d.send(first)
    expect(r.outcome.status).toBe('duplicate')
    expect(r.outcome.conflictingDuplicate).toBe(false)
  })

  it('the same content written differently (identifier order, case, attribute order) is a plain duplicate', async () => {
    const d = await given(identityConfig(), [first])
    const r = await d.send({
      ...first,
      ids: { phone: '(212) 555-0100', email: ' Ann@X.com ' },
      attributes: { points: 1 },
    })
    expect(r.outcome.status).toBe('duplicate')
    expect(r.outcome.conflictingDuplicate).toBe(false)
  })

  it.each([
    ['another identifier', { ids: { email: 'bob@x.com' } }],
    ['another attribute value', { attributes: { points: 2 } }],
    ['another note', { note: 'bye' }],
    ['another source', { source: 'store' }],
    ['another timestamp', { timestamp: 1_700_000_000_001 }],
    ['another kind (forget)', { type: 'forget' as const }],
  ])(
    'the same eventId with %s is a conflicting duplicate that changes nothing',
    async (_, change) => {
      const d = await given(identityConfig(), [first])
      const before = [...d.state.map]
      const r = await d.send({ ...first, ...change })
      expect(r.outcome.status).toBe('duplicate')
      expect(r.outcome.conflictingDuplicate).toBe(true)
      expect(r.writes).toEqual([])
      expect(r.outputs).toEqual([])
      expect([...d.state.map]).toEqual(before)
    },
  )

  it('the first content stays the reference: after a conflicting one, a redelivery of the first is plain', async () => {
    const d = await given(identityConfig(), [first, { ...first, ids: { email: 'bob@x.com' } }])
    expect(d.outcomes[1]?.conflictingDuplicate).toBe(true)
    const r = await d.send(first)
    expect(r.outcome.conflictingDuplicate).toBe(false)
  })

  it('a ring slot keeps the content hash; the same eventId with other content is told apart from it', async () => {
    const d = await given(identityConfig(), [first])
    const ring = d.state.map.get(stateKeys.seenRingKey('acme', 0))
    expect(ring).toEqual({ type: 'seen-ring', eventIds: ['e1'], contents: [expect.any(Number)] })
    expect(ringKinds(d).seen).toBe(0)
  })

  it('a slot of a ring record written before rings kept hashes counts as a plain duplicate', async () => {
    const d = await given(identityConfig(), [first])
    d.state.map.set(stateKeys.seenRingKey('acme', 0), { type: 'seen-ring', eventIds: ['e1'] })
    const r = await d.send({ ...first, ids: { email: 'bob@x.com' } })
    expect(r.outcome.status).toBe('duplicate')
    expect(r.outcome.conflictingDuplicate).toBe(false)
  })
  it('applied and dead-lettered events are never flagged', async () => {
    const d = await given(identityConfig(), [first])
    expect(d.outcomes[0]?.conflictingDuplicate).toBe(false)
    const r = await d.send({ eventId: 'e2', ids: { email: 'null' } })
    expect(r.outcome.status).toBe('dead-lettered')
    expect(r.outcome.conflictingDuplicate).toBe(false)
  })
})
