import { describe, expect, it } from 'vitest'
import { explainPair } from '../../../src/core/explain-pair.js'
import {
  normalizeQuery,
  readProfile,
  readProfileIdentifiers,
} from '../../../src/core/profile-read.js'
import { compileTenants } from '../../../src/core/tenant-rules.js'
import { given } from '../../support/resolver-driver.js'
import { identityConfig } from './identity-fixture.js'

// The spec's worked example, as in worked-example.test.ts: events 1-5 with input sequences 1-5.
const EXAMPLE = [
  { eventId: 'ev1', source: 'web', ids: { customer_id: 'C1', email: 'ann@x.com' } },
  { eventId: 'ev2', source: 'call_center', ids: { phone: '+1 212 555 0100' } },
  { eventId: 'ev3', source: 'store', ids: { loyalty_card: 'L9' } },
  {
    eventId: 'ev4',
    source: 'web',
    ids: { customer_id: 'C1', phone: '(212) 555-0100', loyalty_card: 'L9' },
  },
  { eventId: 'ev5', source: 'store', ids: { customer_id: 'C7', loyalty_card: 'L9' } },
]

async function example() {
  const config = identityConfig()
  const d = await given(config, EXAMPLE)
  const ids = d.outcomes.map((o) => o.profileId as string)
  const [p1, p2, p3, p7] = [0, 1, 2, 4].map((i) => ids[i] as string) as [
    string,
    string,
    string,
    string,
  ]
  const tenants = compileTenants(config)
  const t = tenants.get('acme')
  if (t === null) throw new Error('acme is configured')
  const q = (type: string, value: string) => {
    const r = normalizeQuery(tenants, 'acme', type, value)
    if (!r.ok) throw new Error(r.reason)
    return r.identifier
  }
  return { d, t, q, tenants, p1, p2, p3, p7 }
}

describe('reading profiles from committed state', () => {
  it('normalises a query as the tenant does, and says which rule refuses it', async () => {
    const { tenants } = await example()
    expect(normalizeQuery(tenants, 'acme', 'phone', '+1 (212) 555-0100')).toEqual({
      ok: true,
      identifier: { type: 'phone', value: '+12125550100' },
    })
    expect(normalizeQuery(tenants, 'acme', 'email', ' Ann@X.com ')).toMatchObject({
      identifier: { value: 'ann@x.com' },
    })
    expect(normalizeQuery(tenants, 'acme', 'email', 'test@test.com')).toEqual({
      ok: false,
      reason: 'blocked',
    })
    expect(normalizeQuery(tenants, 'acme', 'email', 'not-an-email')).toEqual({
      ok: false,
      reason: 'invalid',
    })
    expect(normalizeQuery(tenants, 'acme', 'shoe_size', '42')).toEqual({
      ok: false,
      reason: 'unknown-type',
    })
  })

  it('answers a merged-away id with its survivor and the merge that retired it', async () => {
    const { d, p1, p2, p3 } = await example()
    const live = await readProfile('acme', p1, d.state)
    expect(live.kind).toBe('live')
    for (const retired of [p2, p3]) {
      const r = await readProfile('acme', retired, d.state)
      if (r.kind !== 'retired') throw new Error(`expected retired, got ${r.kind}`)
      expect(r.profile.profileId).toBe(p1)
      expect(r.chain.map((m) => [m.merged, m.survivor, m.by.eventId])).toEqual([
        [retired, p1, 'ev4'],
      ])
    }
    expect((await readProfile('acme', 'p_nobody', d.state)).kind).toBe('unknown')
  })

  it('answers a forgotten id as deleted', async () => {
    const { d, p7 } = await example()
    await d.send({ eventId: 'ev6', type: 'forget', ids: { customer_id: 'C7' } })
    expect(await readProfile('acme', p7, d.state)).toMatchObject({
      kind: 'deleted',
      forgottenBy: { eventId: 'ev6' },
    })
  })

  it('gives each identifier its attaching event and merges, and names the card that moved away', async () => {
    const { d, p1, p2, p7 } = await example()
    const r = await readProfileIdentifiers('acme', p2, d.state)
    if (r.kind !== 'found') throw new Error(r.kind)
    expect(r.profileId).toBe(p1)
    expect(
      r.identifiers.map((i) => [
        i.identifier.value,
        i.attachedBy.eventId,
        i.merges.map((m) => m.by.eventId),
      ]),
    ).toEqual([
      ['C1', 'ev1', []],
      ['ann@x.com', 'ev1', []],
      ['+12125550100', 'ev2', ['ev4']],
    ])
    expect(r.departed).toEqual([
      expect.objectContaining({
        identifier: { type: 'loyalty_card', value: 'L9' },
        kind: 'reassigned',
        heldBy: p7,
        movedBy: expect.objectContaining({ eventId: 'ev5' }),
        arrived: expect.objectContaining({ by: expect.objectContaining({ eventId: 'ev4' }) }),
      }),
    ])
  })
})

describe('explaining two identifiers', () => {
  it("together: the email and the phone, joined by event 4's merge", async () => {
    const { d, t, q, p1, p2 } = await example()
    const r = await explainPair(
      t,
      'acme',
      q('email', 'ann@x.com'),
      q('phone', '2125550100'),
      d.state,
    )
    if (r.kind !== 'together') throw new Error(r.kind)
    expect(r.profileId).toBe(p1)
    expect(r.steps.map((s) => [s.eventId, s.action, s.identifier?.type, s.profileId])).toEqual([
      ['ev1', 'attached', 'email', p1],
      ['ev2', 'attached', 'phone', p2],
      ['ev4', 'merged', 'phone', p1],
    ])
  })

  it('together: leaves out merges after the point where the two chains meet', async () => {
    const { d, t, q } = await example()
    await d.send({ eventId: 'ev6', ids: { email: 'zed@y.com' } })
    await d.send({ eventId: 'ev7', ids: { phone: '+1 212 555 0111' } })
    // the phone's profile merges into the email's: here the two chains meet
    await d.send({ eventId: 'ev8', ids: { email: 'zed@y.com', phone: '+1 212 555 0111' } })
    // then that profile merges into a new anchored one: not part of why the two are together
    await d.send({ eventId: 'ev9', ids: { customer_id: 'C9', email: 'zed@y.com' } })
    const r = await explainPair(
      t,
      'acme',
      q('email', 'zed@y.com'),
      q('phone', '2125550111'),
      d.state,
    )
    if (r.kind !== 'together') throw new Error(r.kind)
    expect(r.a.merges.map((m) => m.by.eventId)).toEqual(['ev9'])
    expect(r.steps.map((s) => [s.eventId, s.action])).toEqual([
      ['ev6', 'attached'],
      ['ev7', 'attached'],
      ['ev8', 'merged'],
    ])
  })

  it('apart: customer C1 and loyalty card L9, named by the reassignment of event 5', async () => {
    const { d, t, q, p1, p7 } = await example()
    const r = await explainPair(t, 'acme', q('customer_id', 'C1'), q('loyalty_card', 'L9'), d.state)
    if (r.kind !== 'apart') throw new Error(r.kind)
    expect(r.a.profileId).toBe(p1)
    expect(r.b.profileId).toBe(p7)
    expect(r.reason).toEqual({
      kind: 'reassigned',
      identifier: { type: 'loyalty_card', value: 'L9' },
      from: p1,
      to: p7,
      by: expect.objectContaining({ eventId: 'ev5', source: 'store' }),
    })
  })

  it('apart: two anchored profiles, a limit, or nothing connecting them', async () => {
    const { d, t, q } = await example()
    const anchors = await explainPair(
      t,
      'acme',
      q('customer_id', 'C1'),
      q('customer_id', 'C7'),
      d.state,
    )
    expect(anchors).toMatchObject({
      kind: 'apart',
      reason: { kind: 'different-anchors', anchors: [{ value: 'C1' }, { value: 'C7' }] },
    })
    await d.send({ eventId: 'ev6', ids: { loyalty_card: 'L10' } })
    const limit = await explainPair(
      t,
      'acme',
      q('loyalty_card', 'L9'),
      q('loyalty_card', 'L10'),
      d.state,
    )
    expect(limit).toMatchObject({
      kind: 'apart',
      reason: { kind: 'limit', identifierType: 'loyalty_card', limit: 1, held: [1, 1] },
    })
    await d.send({ eventId: 'ev7', ids: { email: 'solo@y.com' } })
    const loose = await explainPair(
      t,
      'acme',
      q('email', 'solo@y.com'),
      q('customer_id', 'C1'),
      d.state,
    )
    expect(loose).toMatchObject({ kind: 'apart', reason: { kind: 'not-connected' } })
    const unheld = await explainPair(
      t,
      'acme',
      q('email', 'ann@x.com'),
      q('email', 'no@y.com'),
      d.state,
    )
    expect(unheld).toEqual({ kind: 'unheld', identifiers: [{ type: 'email', value: 'no@y.com' }] })
  })
})
