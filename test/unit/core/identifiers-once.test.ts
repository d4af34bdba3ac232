import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseIdentityConfig } from '../../../src/config/identity-config.js'
import { normalizeIdentifier, normalizeIdentifierOnce } from '../../../src/core/identifiers.js'
import { compileTenants } from '../../../src/core/tenant-rules.js'
import { packageRoot } from '../../../src/topology/package-files.js'

const identity = parseIdentityConfig(
  readFileSync(join(packageRoot(), 'samples', 'identity.yaml'), 'utf8'),
)
const fresh = () => compileTenants(identity).get('acme')!.identifierTypes

const VALUES = [
  'C1',
  '  Ann.Lee@X.com ',
  'not-an-email',
  'test@test.com',
  'n/a',
  '0',
  '',
  '   ',
  '\u200b\u200b',
  'Ann\u200bLee@x.com',
  '(212) 555-0100',
  '+1 212-555-0100',
  '12',
  '5555555555',
  'x'.repeat(300),
  'y'.repeat(20_000),
]

describe('normalizeIdentifierOnce (file imports)', () => {
  it('gives the same verdict as normalizeIdentifier for every type and kind of value', () => {
    const types = fresh()
    for (const type of [...types.keys(), 'no-such-type']) {
      for (const value of VALUES) {
        const once = normalizeIdentifierOnce(fresh(), type, value)
        const memo = normalizeIdentifier(types, type, value)
        expect({ type, value, ok: once.ok, verdict: once.ok ? once.value : once.reason }).toEqual({
          type,
          value,
          ok: memo.ok,
          verdict: memo.ok ? memo.value : memo.reason,
        })
      }
    }
  })

  it('keeps no memo entry for values that are cheap to check, and memoises phones', () => {
    const types = fresh()
    const size = (type: string) => types.get(type)?.verdicts.size ?? -1
    const before = { email: size('email'), customer_id: size('customer_id'), phone: size('phone') }
    normalizeIdentifierOnce(types, 'email', 'ann-once@x.com')
    normalizeIdentifierOnce(types, 'customer_id', 'C-once')
    normalizeIdentifierOnce(types, 'phone', '(212) 555-0199')
    expect({
      email: size('email'),
      customer_id: size('customer_id'),
      phone: size('phone'),
    }).toEqual({ ...before, phone: before.phone + 1 })
  })
})
