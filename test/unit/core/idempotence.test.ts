import { describe, expect, it } from 'vitest'
import { stateKeys } from '../../../src/core/resolver.js'
import { given } from '../../support/resolver-driver.js'
import { identityConfig, tenantConfig } from './identity-fixture.js'

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
    const seen = [...d.state.map.keys()].filter((k) => stateKeys.parseKey(k)?.kind === 'seen')
    expect(seen.sort()).toEqual(['e10', 'e8', 'e9'].map((e) => stateKeys.seenKey('acme', e)).sort())
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
    const kinds = [...d.state.map.keys()].map((k) => stateKeys.parseKey(k)?.kind)
    expect(kinds.filter((k) => k === 'seen')).toHaveLength(150)
    expect(kinds.filter((k) => k === 'seen-ring')).toHaveLength(
      Math.ceil(150 / stateKeys.RING_CHUNK),
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
