import { describe, expect, it } from 'vitest'
import { given } from '../../support/resolver-driver.js'
import { identityConfig } from './identity-fixture.js'

describe('explaining why identifiers share a profile', () => {
  it('gives the attaching event and the chain of merges, each with its event', async () => {
    const d = await given(identityConfig(), [
      { eventId: 'e1', source: 'web', ids: { customer_id: 'C1', email: 'ann@x.com' } },
      { eventId: 'e2', source: 'call_center', ids: { phone: '+12125550100' } },
      { eventId: 'e3', source: 'store', ids: { phone: '+12125550100', loyalty_card: 'L9' } },
      { eventId: 'e4', source: 'web', ids: { customer_id: 'C1', loyalty_card: 'L9' } },
    ])
    const [p1, p2] = d.outcomes.map((o) => o.profileId)
    const phone = await d.resolver.explainIdentifier(
      'acme',
      { type: 'phone', value: '(212) 555-0100' },
      d.state,
    )
    expect(phone).toEqual({
      identifier: { type: 'phone', value: '+12125550100' },
      profileId: p1,
      attachedTo: p2,
      attachedBy: {
        eventId: 'e2',
        timestamp: expect.any(Number),
        source: 'call_center',
        sequence: 2,
      },
      merges: [
        {
          survivor: p1,
          merged: p2,
          via: { type: 'loyalty_card', value: 'L9' },
          by: expect.objectContaining({ eventId: 'e4' }),
        },
      ],
    })
    const email = await d.resolver.explainIdentifier(
      'acme',
      { type: 'email', value: 'ann@x.com' },
      d.state,
    )
    expect(email).toMatchObject({ attachedTo: p1, attachedBy: { eventId: 'e1' }, merges: [] })
    expect(
      await d.resolver.explainIdentifier('acme', { type: 'email', value: 'nobody@x.com' }, d.state),
    ).toBeNull()
  })
})
