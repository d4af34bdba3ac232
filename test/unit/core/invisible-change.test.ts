import { describe, expect, it } from 'vitest'
import { given, outputsOf } from '../../support/resolver-driver.js'
import { identityConfig } from './identity-fixture.js'

// Spec, "Outputs": an event that changes nothing a consumer can see (no new link, no attribute
// value changed, no timeline entry) emits no snapshot.
describe('no snapshot for an invisible change', () => {
  const known = { ids: { customer_id: 'C1' }, source: 'web', timestamp: 1_000 } as const

  it('the same attribute value again: no snapshot, but its newer provenance is kept', async () => {
    const d = await given(identityConfig(), [{ ...known, attributes: { first_name: 'Ann' } }])
    const again = await d.send({ ...known, timestamp: 5_000, attributes: { first_name: 'Ann' } })
    expect(again.outcome.status).toBe('applied')
    expect(outputsOf(again.outputs, 'profile')).toEqual([])
    // stored all the same: the newer evidence decides the next contest (rule 7, most recent)
    expect(again.writes.length).toBeGreaterThan(0)
    const older = await d.send({ ...known, timestamp: 3_000, attributes: { first_name: 'Old' } })
    expect(outputsOf(older.outputs, 'profile')).toEqual([])
    const p = (await d.lookupIdentifier('customer_id', 'C1'))?.profile
    expect(p?.attributes.first_name).toBe('Ann')
    expect(p?.provenance.first_name?.timestamp).toBe(5_000)
  })

  it('a known person on a known channel with nothing new: no output at all', async () => {
    const d = await given(identityConfig(), [{ ...known, attributes: { first_name: 'Ann' } }])
    const r = await d.send({ ...known, timestamp: 2_000 })
    expect(r.outputs).toEqual([])
  })

  it('each visible change emits the full profile: a value, a channel, a note, a link', async () => {
    const d = await given(identityConfig(), [{ ...known, attributes: { first_name: 'Ann' } }])
    const steps = [
      { ...known, attributes: { first_name: 'Anna' } },
      { ...known, source: 'store' },
      { ...known, note: 'called about an order' },
      { ...known, ids: { customer_id: 'C1', email: 'ann@x.com' } },
    ]
    for (const step of steps) {
      const r = await d.send(step)
      const snapshots = outputsOf(r.outputs, 'profile')
      expect(snapshots).toHaveLength(1)
      expect(snapshots[0]?.profile).toEqual(
        (await d.lookupIdentifier('customer_id', 'C1'))?.profile,
      )
    }
  })

  it('the next visible change carries the provenance an invisible one stored', async () => {
    const d = await given(identityConfig(), [{ ...known, attributes: { first_name: 'Ann' } }])
    await d.send({ ...known, timestamp: 5_000, attributes: { first_name: 'Ann' } })
    const r = await d.send({ ...known, timestamp: 6_000, note: 'vip' })
    const [snapshot] = outputsOf(r.outputs, 'profile')
    expect(snapshot?.profile?.provenance.first_name?.timestamp).toBe(5_000)
  })
})
