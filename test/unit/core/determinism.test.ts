import { describe, expect, it } from 'vitest'
import { profileIdFor } from '../../../src/core/resolver.js'
import { given } from '../../support/resolver-driver.js'
import { identityConfig } from './identity-fixture.js'

const stream = [
  { eventId: 'a', ids: { customer_id: 'C1', email: 'ann@x.com' }, note: 'hi' },
  { eventId: 'b', ids: { phone: '+12125550100' }, attributes: { points: 4 } },
  { eventId: 'c', ids: { loyalty_card: 'L9' } },
  { eventId: 'd', ids: { customer_id: 'C1', phone: '+12125550100', loyalty_card: 'L9' } },
  { eventId: 'e', ids: { customer_id: 'C7', loyalty_card: 'L9' } },
  { eventId: 'f', type: 'forget' as const, ids: { customer_id: 'C7' } },
]

// Spec rule 10: ids come from (tenant, creating event, ordinal); replay gives the same bytes.
describe('rule 10: determinism', () => {
  it('a profile id is derived from tenant, creating eventId and ordinal', async () => {
    const d = await given(identityConfig(), [{ eventId: 'evt-1', ids: { email: 'a@x.com' } }])
    expect(d.outcomes[0]?.profileId).toBe(profileIdFor('acme', 'evt-1', 0))
    expect(profileIdFor('acme', 'evt-1', 0)).not.toBe(profileIdFor('other', 'evt-1', 0))
    expect(profileIdFor('acme', 'evt-1', 0)).not.toBe(profileIdFor('acme', 'evt-1', 1))
    expect(profileIdFor('acme', 'evt-1', 0)).toMatch(/^p_[0-9a-f]{32}$/)
  })

  it('replaying the same input into empty state gives the same writes and outputs, byte for byte', async () => {
    const one = await given(identityConfig(), stream)
    const two = await given(identityConfig(), stream)
    expect(JSON.stringify(two.outputs)).toBe(JSON.stringify(one.outputs))
    expect(JSON.stringify([...two.state.map])).toBe(JSON.stringify([...one.state.map]))
  })

  it('an eventId reused beyond the idempotence window does not reuse a live profile id', async () => {
    const d = await given(identityConfig(), [{ eventId: 'x', ids: { email: 'a@x.com' } }])
    // forget the idempotence ring (its only record), as an expired window would
    for (const k of [...d.state.map.keys()]) if (k.includes('\u001fr\u001f')) d.state.map.delete(k)
    const r = await d.send({ eventId: 'x', ids: { email: 'b@x.com' } })
    expect(r.outcome.profileId).toBe(profileIdFor('acme', 'x', 1))
    expect(await d.profileOf('email', 'a@x.com')).toBe(profileIdFor('acme', 'x', 0))
  })
})
