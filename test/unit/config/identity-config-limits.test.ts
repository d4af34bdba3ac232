import { describe, expect, it } from 'vitest'
import { IdentityConfigError, parseIdentityConfig } from '../../../src/config/identity-config.js'

const base = `tenants:
  "*":
    identifiers:
      customer_id: { role: anchor }
      email: { role: link, normalize: email, priority: 2 }
`

function issuesOf(text: string) {
  try {
    parseIdentityConfig(text, 'test.yaml')
  } catch (e) {
    if (e instanceof IdentityConfigError) return e.issues
    throw e
  }
  throw new Error('expected the config to be refused')
}

// Issue 11: the size limits are config, validated like the rest of it.
describe('identity config size limits', () => {
  it('defaults to 256 characters per identifier, 4096 per string attribute, 16 KiB per note', () => {
    const config = parseIdentityConfig(base)
    expect(config.defaults?.identifiers.email?.maxLength).toBe(256)
    expect(config.defaults?.maxAttributeLength).toBe(4096)
    expect(config.defaults?.maxNoteLength).toBe(16 * 1024)
  })

  it('takes maxLength per identifier type and the attribute and note caps per tenant', () => {
    const config = parseIdentityConfig(
      base +
        `  shop:\n    identifiers:\n      email: { maxLength: 64 }\n    maxAttributeLength: 100\n    maxNoteLength: 2000\n`,
    )
    const shop = config.tenants.shop
    expect(shop?.identifiers.email?.maxLength).toBe(64)
    expect(shop?.identifiers.customer_id?.maxLength).toBe(256)
    expect(shop?.maxAttributeLength).toBe(100)
    expect(shop?.maxNoteLength).toBe(2000)
  })

  it.each([
    [
      'a zero maxLength',
      `  shop:\n    identifiers:\n      email: { maxLength: 0 }\n`,
      'tenants.shop.identifiers.email.maxLength',
    ],
    [
      'a fractional maxLength',
      `  shop:\n    identifiers:\n      email: { maxLength: 1.5 }\n`,
      'tenants.shop.identifiers.email.maxLength',
    ],
    [
      'a negative maxAttributeLength',
      `  shop:\n    maxAttributeLength: -1\n`,
      'tenants.shop.maxAttributeLength',
    ],
    [
      'a note cap too small for the truncation mark',
      `  shop:\n    maxNoteLength: 10\n`,
      'tenants.shop.maxNoteLength',
    ],
  ])('refuses %s', (_label, tenant, path) => {
    expect(issuesOf(base + tenant)).toEqual([expect.objectContaining({ path })])
  })

  it('refuses a tenant name with a format character (zero-width space)', () => {
    expect(issuesOf(base + `  "sh\u200bop": {}\n`)).toEqual([
      expect.objectContaining({ message: expect.stringContaining('control or format') }),
    ])
  })
})
