import { describe, expect, it } from 'vitest'
import { stateKeys } from '../../../src/core/resolver.js'
import { given } from '../../support/resolver-driver.js'
import { identityConfig, identifierType, tenantConfig } from './identity-fixture.js'

describe('tenants', () => {
  it('the same identifiers in two tenants make two unrelated profiles', async () => {
    const d = await given(identityConfig(), [
      { tenant: 'shop-a', ids: { customer_id: 'C1', email: 'a@x.com' } },
      { tenant: 'shop-b', ids: { email: 'a@x.com', phone: '+12125550100' } },
    ])
    const [a, b] = d.outcomes.map((o) => o.profileId)
    expect(a).not.toBe(b)
    expect(await d.profileOf('email', 'a@x.com', 'shop-a')).toBe(a)
    expect(await d.profileOf('email', 'a@x.com', 'shop-b')).toBe(b)
    expect(await d.lookup(a as string, 'shop-b')).toBeNull()
  })

  it('every key is prefixed by its tenant', async () => {
    const d = await given(identityConfig(), [
      { tenant: 'shop-a', ids: { customer_id: 'C1' } },
      { tenant: 'shop-b', ids: { customer_id: 'C1' } },
    ])
    for (const key of d.state.map.keys()) {
      const tenant = stateKeys.parseKey(key)?.tenant
      expect(['shop-a', 'shop-b']).toContain(tenant)
      expect(key.startsWith(stateKeys.tenantPrefix(tenant as string))).toBe(true)
    }
  })

  it('a named tenant uses its own rules, others the defaults', async () => {
    const fr = tenantConfig()
    const config = identityConfig(tenantConfig(), {
      'boutique-fr': {
        ...fr,
        identifiers: {
          ...fr.identifiers,
          phone: identifierType({
            role: 'link',
            normalize: 'phone',
            defaultCountry: 'FR',
            limit: 3,
            priority: 3,
          }),
        },
      },
    })
    const d = await given(config, [
      { tenant: 'boutique-fr', ids: { phone: '06 12 34 56 78' } },
      { tenant: 'us-shop', ids: { phone: '06 12 34 56 78' } },
    ])
    expect(await d.profileOf('phone', '+33612345678', 'boutique-fr')).toBe(d.outcomes[0]?.profileId)
    expect(d.outcomes[1]?.status).toBe('dead-lettered')
  })
})
