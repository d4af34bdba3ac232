import { describe, expect, it } from 'vitest'
import type { OutputRecord, ProfileSnapshot } from '../../../src/core/types.js'
import { LatestProfiles } from '../../../src/runtime/profile-changelog.js'

const snapshot = (tenant: string, profileId: string, version: number): OutputRecord => ({
  kind: 'profile',
  tenant,
  profileId,
  profile: { tenant, profileId, updatedAt: version } as unknown as ProfileSnapshot,
})
const tombstone = (tenant: string, profileId: string): OutputRecord => ({
  kind: 'profile',
  tenant,
  profileId,
  profile: null,
})

describe('LatestProfiles: one profile-changelog record per key per commit', () => {
  it('keeps the last record per tenant + profileId, in the order of the last changes', () => {
    const held = new LatestProfiles<number>()
    const outputs = [
      snapshot('t', 'a', 1),
      snapshot('t', 'b', 1),
      snapshot('u', 'a', 1),
      snapshot('t', 'a', 2),
      snapshot('t', 'b', 2),
      tombstone('t', 'b'),
    ]
    outputs.forEach((o, i) => expect(held.hold(o, i)).toBe(true))
    expect(held.take().map(({ output, cause }) => [output, cause])).toEqual([
      [snapshot('u', 'a', 1), 2],
      [snapshot('t', 'a', 2), 3],
      // a tombstone after a snapshot of the same key stays a tombstone
      [tombstone('t', 'b'), 5],
    ])
    expect(held.take()).toEqual([])
  })

  it('holds nothing but profile records: identity events are never coalesced', () => {
    const held = new LatestProfiles<number>()
    const merged: OutputRecord = {
      kind: 'merged',
      tenant: 't',
      survivor: 'a',
      merged: 'b',
      via: null,
      eventId: 'e',
      timestamp: 1,
    }
    expect(held.hold(merged, 0)).toBe(false)
    expect(held.size).toBe(0)
  })
})
