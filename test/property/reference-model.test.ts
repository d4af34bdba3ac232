/**
 * The reference model must itself be right before it can judge the resolver: here it replays
 * the spec's worked example (Retail Rocket's customer card) and the rules the example does not
 * cover, with stand-in normalisation so that it depends on nothing in src/core.
 */
import { describe, expect, it } from 'vitest'
import type { ContactEvent, RawAttributeValue } from '../../src/core/types.js'
import { ReferenceModel } from './reference-model.js'
import type { ModelHooks, ModelTenantConfig } from './reference-rules.js'

const config: ModelTenantConfig = {
  types: {
    customer_id: { role: 'anchor', limit: 1, priority: 1 },
    email: { role: 'link', limit: 2, priority: 2 },
    phone: { role: 'link', limit: 1, priority: 3 },
    loyalty_card: { role: 'link', limit: 1, priority: 4 },
  },
  fields: new Set(['name', 'last_order']),
  sourcePriority: ['crm', 'web', 'call_center', 'store'],
  timelineCap: 2,
  suppressForgotten: false,
  idempotenceWindow: 1000,
}

const stubHooks: ModelHooks = {
  normalise(_tenant, type, raw) {
    if (!(type in config.types)) return { ok: false, reason: 'unknown-type' }
    if (type === 'phone') {
      const digits = raw.replace(/\D/g, '').slice(-7)
      return digits.length === 7 ? { ok: true, value: digits } : { ok: false, reason: 'invalid' }
    }
    const v = raw.trim().toLowerCase()
    if (v === 'test@test.com') return { ok: false, reason: 'blocked' }
    return { ok: true, value: v }
  },
  parseAttribute(_tenant, field, raw) {
    if (!config.fields.has(field)) return { kind: 'dropped', reason: 'unknown-field' }
    if (raw === null || (typeof raw === 'string' && raw.trim() === '')) return { kind: 'empty' }
    return typeof raw === 'string'
      ? { kind: 'value', value: raw }
      : { kind: 'dropped', reason: 'type-mismatch' }
  },
}

let n = 0
function ev(
  source: string,
  ids: Record<string, string>,
  attributes: Record<string, RawAttributeValue> = {},
  extra: Partial<ContactEvent> = {},
): ContactEvent {
  n++
  return {
    eventId: `e${n}`,
    tenant: 'rr',
    type: 'identify',
    source,
    timestamp: 1000 + n,
    identifiers: Object.entries(ids).map(([type, value]) => ({ type, value })),
    attributes,
    note: null,
    ...extra,
  }
}

function run(events: ContactEvent[]) {
  const model = new ReferenceModel(() => config, stubHooks)
  const steps = events.map((e, i) => model.apply(e, i))
  const partition = model
    .liveProfiles('rr')
    .map((p) => [...(p.anchor ? [p.anchor] : []), ...p.links].sort().join(' '))
    .sort()
  return { model, steps, partition }
}

describe('reference model', () => {
  it('replays the worked example: merges into the anchored profile, then the card changes owner', () => {
    const { model, steps, partition } = run([
      ev('web', { customer_id: 'C1', email: 'ann@x.com' }),
      ev('call_center', { phone: '+1 555 0100' }, { last_order: 'O-17' }),
      ev('store', { loyalty_card: 'L9' }),
      ev('web', { customer_id: 'C1', phone: '555-0100', loyalty_card: 'L9' }),
      ev('store', { customer_id: 'C7', loyalty_card: 'L9' }),
    ])
    const [p1, p2, p3, merged, moved] = steps
    expect(merged!.effects.filter((e) => e.kind === 'merged')).toEqual([
      { kind: 'merged', survivor: p1!.profileId, merged: p2!.profileId, via: 'phone:5550100' },
      { kind: 'merged', survivor: p1!.profileId, merged: p3!.profileId, via: 'loyalty_card:l9' },
    ])
    expect(moved!.effects).toEqual([
      { kind: 'reassigned', link: 'loyalty_card:l9', from: p1!.profileId, to: moved!.profileId },
    ])
    expect(partition).toEqual([
      'customer_id:c1 email:ann@x.com phone:5550100',
      'customer_id:c7 loyalty_card:l9',
    ])
    const survivor = model.lookup('rr', p2!.profileId!)!
    expect(survivor.id).toBe(p1!.profileId)
    expect(model.lookup('rr', p3!.profileId!)!.id).toBe(p1!.profileId)
    expect([...survivor.channels].sort()).toEqual(['call_center', 'store', 'web'])
    expect(survivor.attributes.get('last_order')?.value).toBe('O-17')
  })

  it('keeps valuable values, then prefers the stronger source, then the later event time', () => {
    const { model } = run([
      ev('store', { email: 'a@x.com' }, { name: 'Store Name' }, { timestamp: 5000 }),
      ev('crm', { email: 'a@x.com' }, { name: 'Crm Name' }, { timestamp: 10 }),
      ev('crm', { email: 'a@x.com' }, { name: '   ' }, { timestamp: 9000 }),
      ev('web', { email: 'a@x.com' }, { name: 'Web Name' }, { timestamp: 9999 }),
    ])
    expect(model.liveProfiles('rr')[0]!.attributes.get('name')?.value).toBe('Crm Name')
  })

  it('picks the same attributes whichever profile survives a merge', () => {
    const older = run([
      ev('web', { email: 'a@x.com' }, { name: 'Late' }, { timestamp: 20 }),
      ev('web', { phone: '5550100' }, { name: 'Early' }, { timestamp: 10 }),
      ev('web', { email: 'a@x.com', phone: '5550100' }),
    ])
    const younger = run([
      ev('web', { phone: '5550100' }, { name: 'Early' }, { timestamp: 10 }),
      ev('web', { email: 'a@x.com' }, { name: 'Late' }, { timestamp: 20 }),
      ev('web', { email: 'a@x.com', phone: '5550100' }),
    ])
    for (const r of [older, younger])
      expect(r.model.liveProfiles('rr').map((p) => p.attributes.get('name')?.value)).toEqual([
        'Late',
      ])
  })

  it('refuses a merge that would pass a limit and leaves both profiles whole', () => {
    const { steps, partition } = run([
      ev('web', { phone: '5550100' }),
      ev('web', { phone: '5550199' }),
      ev('web', { phone: '5550100', email: 'a@x.com' }),
      ev('web', { email: 'a@x.com', phone: '5550199' }),
    ])
    expect(steps[3]!.effects.map((e) => e.kind)).toEqual(['merge-refused'])
    expect(partition).toEqual(['email:a@x.com phone:5550100', 'phone:5550199'])
  })

  it('never merges two anchored profiles and flags the event as ambiguous', () => {
    const { steps, partition } = run([
      ev('web', { customer_id: 'C1', email: 'a@x.com' }),
      ev('web', { customer_id: 'C2', phone: '5550100' }),
      ev('web', { loyalty_card: 'L1' }),
      ev('web', { phone: '5550100', email: 'a@x.com', loyalty_card: 'L1' }),
    ])
    expect(steps[3]!.ambiguous).toBe(true)
    expect(steps[3]!.profileId).toBe(steps[0]!.profileId)
    expect(partition).toEqual([
      'customer_id:c1 email:a@x.com loyalty_card:l1',
      'customer_id:c2 phone:5550100',
    ])
  })

  it('dead-letters events with two anchors or no usable identifier, and ignores redeliveries', () => {
    const first = ev('web', { email: 'a@x.com' }, { name: 'A' })
    const { steps } = run([
      ev(
        'web',
        { customer_id: 'C1' },
        {},
        {
          identifiers: [
            { type: 'customer_id', value: 'C1' },
            { type: 'customer_id', value: 'C2' },
          ],
        },
      ),
      ev('web', { email: 'test@test.com', fax: '1' }),
      first,
      first,
    ])
    expect(steps.map((s) => s.status)).toEqual([
      'dead-lettered',
      'dead-lettered',
      'applied',
      'duplicate',
    ])
    expect(steps[1]!.dropped.map((d) => d.reason)).toEqual(['blocked', 'unknown-type'])
  })
})
