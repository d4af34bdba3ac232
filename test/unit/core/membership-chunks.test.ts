import { describe, expect, it } from 'vitest'
import { stateKeys, type StateRecord } from '../../../src/core/resolver.js'
import { MEMBER_CHUNK } from '../../../src/core/state-records.js'
import type { ProfileSnapshot } from '../../../src/core/types.js'
import { msgpackCodec } from '../../../src/state/record-codec.js'
import { given, outputsOf, type ResolverDriver } from '../../support/resolver-driver.js'
import { withDeviceIds } from './identity-fixture.js'

const config = withDeviceIds()
const codec = msgpackCodec<StateRecord>()

function devices(n: number, prefix: string): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}-${i}`)
}

/** Sends `n` device ids in events of 50, each naming the first one too (one profile). */
async function grow(d: ResolverDriver, n: number, prefix: string, anchor?: string) {
  const all = devices(n, prefix)
  for (let i = 0; i < n; i += 50) {
    const batch = [...new Set([all[0] as string, ...all.slice(i, i + 50)])]
    await d.send({ ids: { device_id: batch, ...(anchor ? { customer_id: anchor } : {}) } })
  }
}

function lastSnapshot(d: ResolverDriver, profileId: string): ProfileSnapshot {
  const snaps = outputsOf(d.outputs, 'profile').filter((o) => o.profileId === profileId)
  const last = snaps[snaps.length - 1]?.profile
  if (!last) throw new Error(`no snapshot of ${profileId}`)
  return last
}

function recordsOfKind(d: ResolverDriver, kind: StateRecord['type']): StateRecord[] {
  return [...d.state.map.values()].filter((r) => r.type === kind)
}

const deviceValues = (p: ProfileSnapshot) =>
  p.identifiers.filter((i) => i.type === 'device_id').map((i) => i.value)

describe('membership chunks', () => {
  it('a large profile keeps every identifier, sorted, in its snapshots and lookups', async () => {
    const d = await given(config)
    await grow(d, 300, 'a', 'C1')
    const id = d.outcomes[0]?.profileId as string
    const snap = lastSnapshot(d, id)
    expect(deviceValues(snap)).toEqual(devices(300, 'a').sort())
    expect(snap.identifiers[0]).toEqual({ type: 'customer_id', value: 'C1' })
    expect((await d.lookup(id))?.profile).toEqual(snap)
    // a multi-chunk snapshot assembles its lists when read: every serialiser sees plain data
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap)
    expect(structuredClone(snap)).toEqual(snap)
    // the root record stays bounded: the rest lives in chunk records
    const root = d.state.map.get(stateKeys.profileKey('acme', id))
    expect(root?.type === 'profile' && root.members.length).toBeLessThanOrEqual(MEMBER_CHUNK)
    expect(recordsOfKind(d, 'members').length).toBeGreaterThanOrEqual(4)
  })

  it('merging two large sets unites memberships and retired ids; unlink and reassignment remove from chunks', async () => {
    const d = await given(config)
    await grow(d, 200, 'a')
    await grow(d, 150, 'b')
    const a = d.outcomes[0]?.profileId as string
    const b = d.outcomes[4]?.profileId as string
    await d.send({ ids: { device_id: ['a-0', 'b-0'] } })
    const merged = lastSnapshot(d, a)
    expect(deviceValues(merged)).toEqual([...devices(200, 'a'), ...devices(150, 'b')].sort())
    expect(merged.mergedFrom).toEqual([b])

    await d.send({ type: 'unlink', ids: { device_id: ['a-3', 'b-149', 'b-7'] } })
    const anchored = await d.send({ ids: { customer_id: 'C1', device_id: 'a-0' } }) // merges the set into C1
    const c1 = anchored.outcome.profileId as string
    await d.send({ ids: { customer_id: 'C9', device_id: 'a-100' } }) // moves a-100 to C9
    await d.send({ ids: { customer_id: 'C9', device_id: 'b-20' } }) // and b-20
    expect(outputsOf(d.outputs, 'reassigned').map((r) => r.link.value)).toEqual(['a-100', 'b-20'])
    const expected = [...devices(200, 'a'), ...devices(150, 'b')]
      .filter((v) => !['a-3', 'b-149', 'b-7', 'a-100', 'b-20'].includes(v))
      .sort()
    const big = lastSnapshot(d, c1)
    expect(deviceValues(big)).toEqual(expected)
    expect(big.mergedFrom).toEqual([a, b].sort())
    expect((await d.lookup(b))?.profile).toEqual(big)
    expect(await d.profileOf('device_id', 'b-20')).not.toBe(c1)
    expect(await d.profileOf('device_id', 'b-7')).toBeNull()
  })

  it('limits count identifiers held in chunks', async () => {
    const limited = withDeviceIds(120)
    const d = await given(limited)
    await grow(d, 100, 'a', 'C1')
    await grow(d, 30, 'b')
    const r = await d.send({ ids: { customer_id: 'C1', device_id: 'b-0' } })
    expect(outputsOf(r.outputs, 'merge-refused')).toMatchObject([{ limitType: 'device_id' }])
    const more = await d.send({ ids: { customer_id: 'C1', device_id: devices(25, 'c') } })
    expect(more.outcome.dropped.map((x) => x.reason)).toEqual(Array(5).fill('limit-exceeded'))
  })

  it('forgetting a large merged profile leaves no membership chunk, merge evidence or link', async () => {
    const d = await given(config)
    await grow(d, 200, 'a')
    await grow(d, 150, 'b')
    await d.send({ ids: { device_id: ['a-0', 'b-0'] } })
    expect(recordsOfKind(d, 'members').length).toBeGreaterThan(0)
    const why = await d.resolver.explainIdentifier(
      'acme',
      { type: 'device_id', value: 'b-5' },
      d.state,
    )
    expect(why?.merges).toHaveLength(1) // the merge evidence, kept with the membership
    await d.send({ type: 'forget', ids: { device_id: 'b-5' } })
    expect(recordsOfKind(d, 'members')).toEqual([])
    expect(recordsOfKind(d, 'profile')).toEqual([])
    expect(recordsOfKind(d, 'link')).toEqual([])
  })

  it('a merge writes the same records, of bounded bytes, into a survivor of 2 or 20,000 links', async () => {
    const writesOfMerge = async (n: number) => {
      const d = await given(config)
      await grow(d, n, 'd', 'C1')
      await d.send({ ids: { device_id: ['s-1', 's-2'] } })
      const r = await d.send({ ids: { customer_id: 'C1', device_id: 's-1' } })
      expect(outputsOf(r.outputs, 'merged')).toHaveLength(1)
      const kinds = r.writes.map((w) => stateKeys.parseKey(w.key)?.kind).sort()
      const bytes = r.writes.reduce(
        (sum, w) => sum + (w.value === null ? 0 : codec.encode(w.value).length),
        0,
      )
      return { kinds, bytes }
    }
    const small = await writesOfMerge(2)
    const large = await writesOfMerge(20_000)
    expect(large.kinds).toEqual(small.kinds)
    expect(small.kinds.filter((k) => k === 'link')).toEqual([])
    // a root record (with the merge evidence) and a pointer: never a link, never the whole membership
    expect(small.kinds.filter((k) => k === 'profile')).toHaveLength(2)
    // the root's inline chunk is at most MEMBER_CHUNK entries: bounded, not 20,000 identifiers
    expect(large.bytes).toBeLessThan(small.bytes + MEMBER_CHUNK * 40)
  })
})
