import { describe, expect, it } from 'vitest'
import { given } from '../../support/resolver-driver.js'
import { identityConfig, identifierType, tenantConfig } from './identity-fixture.js'

// Spec rule 1: normalise every identifier; drop blocked and invalid ones, say so, keep the rest.
describe('rule 1: normalisation and dropped identifiers', () => {
  it('trims and lowercases emails so the same address always finds the same profile', async () => {
    const d = await given(identityConfig(), [{ ids: { email: '  Ann.Lee@X.com ' } }])
    expect(await d.profileOf('email', 'ann.lee@x.com')).toBe(d.outcomes[0]?.profileId)
  })

  it('writes phones as E.164 using the default country', async () => {
    const d = await given(identityConfig(), [{ ids: { phone: '(212) 555-0100' } }])
    const first = d.outcomes[0]?.profileId
    const again = await d.send({ ids: { phone: '+1 212-555-0100' } })
    expect(again.outcome.profileId).toBe(first)
    expect((await d.lookup(first as string))?.profile.identifiers).toEqual([
      { type: 'phone', value: '+12125550100' },
    ])
  })

  it('drops invalid emails and phones and still applies the rest of the event', async () => {
    const d = await given(identityConfig())
    const r = await d.send({
      ids: { email: 'not-an-email', phone: '12', loyalty_card: 'L1' },
      attributes: { first_name: 'Ann' },
    })
    expect(r.outcome.status).toBe('applied')
    expect(r.outcome.dropped).toEqual([
      { identifier: { type: 'email', value: 'not-an-email' }, reason: 'invalid' },
      { identifier: { type: 'phone', value: '12' }, reason: 'invalid' },
    ])
    const profile = (await d.lookup(r.outcome.profileId as string))?.profile
    expect(profile?.identifiers).toEqual([{ type: 'loyalty_card', value: 'L1' }])
    expect(profile?.attributes).toEqual({ first_name: 'Ann' })
  })

  it('drops identifier types the tenant did not declare', async () => {
    const r = await (
      await given(identityConfig())
    ).send({ ids: { twitter: '@ann', email: 'a@b.co' } })
    expect(r.outcome.dropped).toEqual([
      { identifier: { type: 'twitter', value: '@ann' }, reason: 'unknown-type' },
    ])
  })

  it("drops the tenant's blocked values, case-insensitively and after normalisation", async () => {
    const d = await given(identityConfig())
    const r = await d.send({
      ids: { email: ' TEST@test.com', loyalty_card: '0000', phone: '+12125550100' },
    })
    expect(r.outcome.dropped.map((x) => [x.identifier.type, x.reason])).toEqual([
      ['email', 'blocked'],
      ['loyalty_card', 'blocked'],
    ])
  })

  it('drops values matching blocked patterns (blockedPatterns and /regex/ entries)', async () => {
    const base = tenantConfig()
    const config = identityConfig(
      tenantConfig({
        identifiers: {
          ...base.identifiers,
          loyalty_card: identifierType({
            role: 'link',
            normalize: 'trim',
            priority: 4,
            blocked: ['/^demo-/'],
            blockedPatterns: ['^test-\\d+$'],
          }),
        },
      }),
    )
    const r = await (
      await given(config)
    ).send({
      ids: { loyalty_card: ['TEST-42', 'Demo-1', 'L1'] },
    })
    expect(r.outcome.dropped.map((x) => x.identifier.value).sort()).toEqual(['Demo-1', 'TEST-42'])
  })

  it.each([
    ['email', 'NULL'],
    ['email', 'n/a'],
    ['email', 'undefined'],
    ['email', '[object Object]'],
    ['email', 'test@example.com'],
    ['email', 'someone@example.org'],
    ['email', 'noreply@shop.com'],
    ['email', 'a@a.com'],
    ['phone', '0000000000'],
    ['phone', '+1 999 999 9999'],
    ['loyalty_card', '1111'],
    ['loyalty_card', '-1'],
    ['loyalty_card', '   '],
    ['customer_id', '0'],
    ['customer_id', 'NaN'],
  ])('the built-in deny-list drops %s %j', async (type, value) => {
    const r = await (
      await given(identityConfig())
    ).send({
      identifiers: [
        { type, value },
        { type: 'loyalty_card', value: 'L1' },
      ],
    })
    expect(r.outcome.dropped).toEqual([{ identifier: { type, value }, reason: 'blocked' }])
  })

  it('a tenant can opt out of the built-in deny-list', async () => {
    const config = identityConfig(tenantConfig({ useDefaultDenyList: false }))
    const r = await (
      await given(config)
    ).send({ ids: { loyalty_card: '1111', customer_id: 'none' } })
    expect(r.outcome.dropped).toEqual([])
    expect(r.outcome.profileId).not.toBeNull()
  })

  it('keeps ordinary values that only look close to placeholders', async () => {
    const r = await (
      await given(identityConfig())
    ).send({
      ids: { loyalty_card: '1121', email: 'nora@example.co.uk', customer_id: 'C100' },
    })
    expect(r.outcome.dropped).toEqual([])
  })

  it('lowercase trims and lowercases; none keeps the value exactly', async () => {
    const base = tenantConfig()
    const config = identityConfig(
      tenantConfig({
        identifiers: {
          ...base.identifiers,
          device_id: identifierType({ role: 'link', normalize: 'lowercase', priority: 8 }),
          crm_ref: identifierType({ role: 'link', normalize: 'none', priority: 9 }),
        },
      }),
    )
    const d = await given(config, [{ ids: { device_id: ' AbC-1 ', crm_ref: ' Ref 7' } }])
    const p = d.outcomes[0]?.profileId
    expect(await d.profileOf('device_id', 'abc-1')).toBe(p)
    expect(await d.profileOf('crm_ref', ' Ref 7')).toBe(p)
    expect(await d.profileOf('crm_ref', 'Ref 7')).toBeNull()
  })

  it('numeric ids from untyped JSON count as their text; other non-text values are invalid', async () => {
    const d = await given(identityConfig())
    const r = await d.send({
      identifiers: [
        { type: 'customer_id', value: 12345 as unknown as string },
        { type: 'loyalty_card', value: 1.5 as unknown as string },
      ],
    })
    expect(r.outcome.dropped).toEqual([
      { identifier: { type: 'loyalty_card', value: '1.5' }, reason: 'invalid' },
    ])
    expect(await d.profileOf('customer_id', '12345')).toBe(r.outcome.profileId)
  })
})
