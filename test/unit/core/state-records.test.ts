import { describe, expect, it } from 'vitest'
import { given } from '../../support/resolver-driver.js'
import { identityConfig, tenantConfig } from './identity-fixture.js'

describe('state records', () => {
  it('are plain JSON data: every written value survives a JSON round trip unchanged', async () => {
    const d = await given(identityConfig(tenantConfig({ suppressForgotten: true })), [
      {
        ids: { customer_id: 'C1', email: 'ann@x.com' },
        attributes: { first_name: 'Ann', vip: true },
        note: 'n',
      },
      { ids: { phone: '+12125550100' }, attributes: { points: 3, birthday: '1990-01-01' } },
      { ids: { loyalty_card: 'L9' } },
      { ids: { customer_id: 'C1', phone: '+12125550100', loyalty_card: 'L9' } },
      { ids: { customer_id: 'C7', loyalty_card: 'L9' } },
      { type: 'unlink', ids: { email: 'ann@x.com' } },
      { type: 'forget', ids: { customer_id: 'C7' } },
    ])
    const written = d.outcomes.length
    expect(written).toBe(7)
    for (const [key, value] of d.state.map) {
      expect(JSON.parse(JSON.stringify(value)), key).toStrictEqual(structuredClone(value))
    }
  })
})
