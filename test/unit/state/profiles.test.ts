import { describe, expect, it } from 'vitest'
import { liveProfiles } from '../../../src/state/profiles.js'
import { stateKeys, type StateRecord } from '../../../src/core/resolver.js'
import type { ProfileRecord } from '../../../src/core/state-records.js'
import { MemoryStore } from '../../../src/state/memory-store.js'
import { msgpackCodec } from '../../../src/state/record-codec.js'

const codec = msgpackCodec<StateRecord>()

function profile(profileId: string): ProfileRecord {
  return {
    type: 'profile',
    profileId,
    anchor: null,
    counts: { email: 1, device_id: 1 },
    members: [
      { type: 'email', value: `${profileId}@mail.org` },
      { type: 'device_id', value: profileId },
    ],
    retired: [],
    retiredBy: [],
    next: null,
    chunkSeq: 0,
    channels: ['web', 'store'],
    attributes: {},
    provenance: {},
    timeline: [],
    createdAt: 1,
    createdSequence: 1,
    updatedAt: 2,
    size: 1,
  }
}

describe('liveProfiles', () => {
  it('lists live profiles by tenant then profileId, also those stored under another root id', async () => {
    const store = new MemoryStore()
    const put = (tenant: string, rootId: string, record: StateRecord) => ({
      key: stateKeys.profileKey(tenant, rootId),
      value: codec.encode(record),
    })
    await store.write([
      put('acme', 'p_b', profile('p_b')),
      put('acme', 'p_d', profile('p_d')),
      put('acme', 'p_z', profile('p_a')),
      put('acme', 'p_c', profile('p_e')),
      put('acme', 'p_x', { type: 'pointer', parent: 'p_b' }),
      put('zeta', 'p_2', profile('p_1')),
      put('mid', 'p_m', profile('p_m')),
      {
        key: stateKeys.linkKey('acme', 'email', 'x@mail.org'),
        value: codec.encode({
          type: 'link',
          profileId: 'p_b',
          attachedBy: { eventId: 'e', timestamp: 1, source: 'web', sequence: 1 },
        }),
      },
    ])
    const listed = []
    for await (const p of liveProfiles(store, codec)) listed.push(`${p.tenant} ${p.profileId}`)
    expect(listed).toEqual(['acme p_a', 'acme p_b', 'acme p_d', 'acme p_e', 'mid p_m', 'zeta p_1'])
  })

  it('exports identifiers sorted by type then value, and sorted channels', async () => {
    const store = new MemoryStore()
    await store.write([
      { key: stateKeys.profileKey('acme', 'p_1'), value: codec.encode(profile('p_1')) },
    ])
    const all = []
    for await (const p of liveProfiles(store, codec)) all.push(p)
    const [exported] = all
    expect(exported?.identifiers.map((i) => i.type)).toEqual(['device_id', 'email'])
    expect(exported?.channels).toEqual(['store', 'web'])
    expect(Object.keys(exported ?? {})).toEqual([
      'tenant',
      'profileId',
      'anchor',
      'identifiers',
      'channels',
      'attributes',
      'timeline',
      'mergedFrom',
      'createdAt',
      'updatedAt',
    ])
  })
})
