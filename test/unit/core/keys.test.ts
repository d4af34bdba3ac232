import { describe, expect, it } from 'vitest'
import { stateKeys } from '../../../src/core/resolver.js'

describe('state key scheme', () => {
  it('parses back what it builds, including values that contain the separator', () => {
    const odd = 'a\u001fb'
    expect(stateKeys.parseKey(stateKeys.linkKey('t', 'email', odd))).toEqual({
      kind: 'link',
      tenant: 't',
      type: 'email',
      value: odd,
    })
    expect(stateKeys.parseKey(stateKeys.profileKey('t', 'p_1'))).toEqual({
      kind: 'profile',
      tenant: 't',
      profileId: 'p_1',
    })
    expect(stateKeys.parseKey(stateKeys.tenantMetaKey('t'))).toEqual({
      kind: 'tenant-meta',
      tenant: 't',
    })
    expect(stateKeys.parseKey(stateKeys.seenKey('t', 'e1'))).toEqual({
      kind: 'seen',
      tenant: 't',
      eventId: 'e1',
    })
    expect(stateKeys.parseKey(stateKeys.seenRingKey('t', 130))).toEqual({
      kind: 'seen-ring',
      tenant: 't',
      chunk: 2,
    })
    expect(stateKeys.parseKey('garbage')).toBeNull()
  })

  it("one tenant's prefix never matches another tenant's keys", () => {
    expect(stateKeys.linkKey('ab', 'x', 'y').startsWith(stateKeys.tenantPrefix('a'))).toBe(false)
  })
})
