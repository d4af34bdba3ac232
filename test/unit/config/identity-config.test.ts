import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import {
  IdentityConfigError,
  loadIdentityConfig,
  parseIdentityConfig,
} from '../../../src/config/identity-config.js'

function issuesOf(text: string) {
  try {
    parseIdentityConfig(text, 'test.yaml')
  } catch (e) {
    if (e instanceof IdentityConfigError) return e.issues
    throw e
  }
  throw new Error('expected the config to be refused')
}

const valid = `tenants:
  "*":
    identifiers:
      customer_id: { role: anchor }
      email: { role: link, normalize: email, limit: 5, priority: 2 }
      phone: { role: link, normalize: phone, defaultCountry: US, limit: 3, priority: 3 }
    attributes: { first_name: string }
    sourcePriority: [crm, web]
`

describe('identity config', () => {
  it('loads samples/identity.yaml with the documented defaults filled in', async () => {
    const config = await loadIdentityConfig('samples/identity.yaml')
    expect(config.defaults?.identifiers.customer_id).toMatchObject({ role: 'anchor', limit: 1 })
    expect(config.defaults?.identifiers.email).toMatchObject({
      normalize: 'email',
      limit: 5,
      priority: 2,
    })
    expect(config.defaults?.attributes).toMatchObject({
      first_name: 'string',
      points: 'number',
      birthday: 'datetime',
    })
    expect(config.defaults?.sourcePriority).toEqual(['crm', 'web', 'store', 'call_center'])
    expect(config.defaults?.useDefaultDenyList).toBe(true)
  })

  it('a named tenant overrides "*" field by field; null removes an inherited entry', async () => {
    const config = await loadIdentityConfig('samples/identity.yaml')
    const fr = config.tenants['boutique-fr']
    expect(fr?.identifiers.phone).toMatchObject({
      role: 'link',
      normalize: 'phone',
      defaultCountry: 'FR',
      limit: 3,
    })
    expect(fr?.identifiers.device_id).toBeUndefined()
    expect(fr?.suppressForgotten).toBe(true)
    expect(fr?.sourcePriority).toEqual(config.defaults?.sourcePriority)
  })

  it('reads JSON as well as YAML', async () => {
    const json = JSON.stringify({
      tenants: {
        acme: { identifiers: { email: { role: 'link', normalize: 'email', priority: 1 } } },
      },
    })
    const config = parseIdentityConfig(json)
    expect(config.defaults).toBeNull()
    expect(config.tenants.acme?.identifiers.email?.limit).toBeNull()
  })

  it('names the path and line of a schema problem', () => {
    const issues = issuesOf(valid + `  shop:\n    timelineCap: -1\n    colour: blue\n`)
    expect(issues).toEqual([
      expect.objectContaining({ path: 'tenants.shop.timelineCap', line: 10 }),
      expect.objectContaining({
        path: 'tenants.shop.colour',
        line: 11,
        message: expect.stringContaining('colour'),
      }),
    ])
  })

  it.each([
    [
      'an anchor with a limit other than 1',
      'customer_id: { role: anchor, limit: 2 }',
      4,
      'limit must be 1',
    ],
    [
      'two anchor types',
      'customer_id: { role: anchor }\n      crm_id: { role: anchor }',
      5,
      'only one anchor',
    ],
    [
      'two links with one priority',
      'customer_id: { role: anchor }\n      sms: { role: link, priority: 2 }',
      6,
      'same priority',
    ],
    [
      'a link without priority',
      'customer_id: { role: anchor }\n      sms: { role: link }',
      5,
      'needs a priority',
    ],
    [
      'an invalid blocked pattern',
      'customer_id: { role: anchor, blockedPatterns: ["(a"] }',
      4,
      'not a valid regular expression',
    ],
    [
      'defaultCountry on a non-phone type',
      'customer_id: { role: anchor, defaultCountry: US }',
      4,
      'only applies',
    ],
  ])('refuses %s, naming the line', (_name, line4, expectedLine, message) => {
    const text = valid.replace('customer_id: { role: anchor }', line4)
    const issues = issuesOf(text)
    expect(issues).toContainEqual(
      expect.objectContaining({ line: expectedLine, message: expect.stringContaining(message) }),
    )
  })

  it('refuses an attribute named like an identifier type', () => {
    const issues = issuesOf(
      valid.replace('{ first_name: string }', '{ first_name: string, email: string }'),
    )
    expect(issues).toEqual([
      expect.objectContaining({
        path: 'tenants["*"].attributes.email',
        line: 7,
        message: expect.stringContaining('both'),
      }),
    ])
  })

  it.each(['__proto__', 'constructor', 'prototype'])(
    'refuses %s as an attribute or identifier name (it would reach Object.prototype, not a field)',
    (name) => {
      const asAttribute = issuesOf(
        valid.replace('{ first_name: string }', `{ first_name: string, ${name}: string }`),
      )
      expect(asAttribute).toEqual([
        expect.objectContaining({
          path: `tenants["*"].attributes.${name}`,
          line: 7,
          message: expect.stringContaining('reserved'),
        }),
      ])
      const asIdentifier = issuesOf(
        valid.replace(
          '      customer_id:',
          `      ${name}: { role: link, priority: 9 }\n      customer_id:`,
        ),
      )
      expect(asIdentifier).toEqual([
        expect.objectContaining({
          path: `tenants["*"].identifiers.${name}`,
          message: expect.stringContaining('reserved'),
        }),
      ])
    },
  )

  it('blames the tenant line for a contradiction the tenant introduces', () => {
    const issues = issuesOf(
      valid + `  shop:\n    identifiers:\n      sms: { role: link, priority: 3 }\n`,
    )
    expect(issues).toEqual([
      expect.objectContaining({ path: 'tenants.shop.identifiers.sms.priority', line: 11 }),
    ])
  })

  it('reports YAML syntax errors with their line', () => {
    const issues = issuesOf('tenants:\n  a:\n    identifiers: {\n')
    expect(issues[0]?.line).toBeGreaterThanOrEqual(3)
  })

  it('the error message lists every issue as file:line: path: message', () => {
    try {
      parseIdentityConfig(valid.replace('limit: 5', 'limit: 0'), 'cfg.yaml')
      expect.unreachable()
    } catch (e) {
      expect((e as Error).message).toMatch(
        /cfg\.yaml:5: tenants\["\*"\]\.identifiers\.email\.limit: /,
      )
    }
  })

  it('the sample file is the one the CLI uses', async () => {
    expect(await readFile('samples/identity.yaml', 'utf8')).toContain('customer_id')
  })

  it('a tenant named with no body takes "*" as it is', () => {
    const config = parseIdentityConfig(valid + '  shop:\n')
    expect(config.tenants.shop).toEqual(config.defaults)
  })
})
