import { describe, expect, it } from 'vitest'
import { NOTE_TRUNCATION_MARK } from '../../../src/core/text.js'
import { given } from '../../support/resolver-driver.js'
import { identifierType, identityConfig, tenantConfig, withDeviceIds } from './identity-fixture.js'

// Issue 11: invisible characters, decomposed Unicode and oversized values cannot fool rule 1.
describe('rule 1 against hostile text', () => {
  for (const [label, device] of [
    ['only NULs', '\u0000\u0000\u0000'],
    ['only zero-width spaces', '\u200b\u200b'],
    ['only a BOM, a ZWJ and bidi marks', '\ufeff\u200d\u200e\u202e'],
  ] as const) {
    it(`a device id of ${label} is dropped invalid and links nobody`, async () => {
      const d = await given(withDeviceIds())
      const ann = await d.send({ ids: { email: 'ann@x.com', device_id: device } })
      const bob = await d.send({ ids: { email: 'bob@x.com', device_id: device } })
      expect(ann.outcome.dropped).toEqual([
        { identifier: { type: 'device_id', value: device }, reason: 'invalid' },
      ])
      expect(bob.outcome.dropped.map((x) => x.reason)).toEqual(['invalid'])
      expect(bob.outcome.profileId).not.toBe(ann.outcome.profileId)
    })
  }

  it('a value differing only by NFC composition or invisible characters is the same value', async () => {
    const d = await given(withDeviceIds())
    const composed = await d.send({ ids: { email: 'ann@x.com', device_id: 'caf\u00e9-1' } })
    const decomposed = await d.send({ ids: { device_id: 'cafe\u0301-1' } })
    const hidden = await d.send({ ids: { device_id: 'caf\u200b\u00e9\u0000-1' } })
    expect(decomposed.outcome.profileId).toBe(composed.outcome.profileId)
    expect(hidden.outcome.profileId).toBe(composed.outcome.profileId)
    expect((await d.lookup(composed.outcome.profileId as string))?.profile.identifiers).toEqual([
      { type: 'device_id', value: 'caf\u00e9-1' },
      { type: 'email', value: 'ann@x.com' },
    ])
  })

  it('a blocked value hidden behind zero-width characters is still blocked', async () => {
    const r = await (await given(identityConfig())).send({ ids: { loyalty_card: '0\u200b000' } })
    expect(r.outcome.dropped.map((x) => x.reason)).toEqual(['blocked'])
  })

  it('drops a value longer than maxLength after normalisation as too-long', async () => {
    const base = tenantConfig()
    const config = identityConfig(
      tenantConfig({
        identifiers: {
          ...base.identifiers,
          loyalty_card: identifierType({
            role: 'link',
            normalize: 'trim',
            priority: 4,
            maxLength: 8,
          }),
        },
      }),
    )
    const d = await given(config)
    const r = await d.send({
      ids: { email: 'a@b.co', loyalty_card: ['L123456789', '  L1234567  ', 'L\u200b1234567'] },
    })
    expect(r.outcome.dropped).toEqual([
      { identifier: { type: 'loyalty_card', value: 'L123456789' }, reason: 'too-long' },
    ])
    expect(await d.profileOf('loyalty_card', 'L1234567')).toBe(r.outcome.profileId)
  })

  it('drops values over the default 256 characters, even megabytes of them, as too-long', async () => {
    const d = await given(withDeviceIds())
    const r = await d.send({
      ids: {
        email: 'a@b.co',
        device_id: ['d'.repeat(256), 'd'.repeat(257), 'x'.repeat(4_000_000)],
      },
    })
    expect(r.outcome.dropped.map((x) => [x.identifier.value.length, x.reason])).toEqual([
      [257, 'too-long'],
      [4_000_000, 'too-long'],
    ])
    expect(await d.profileOf('device_id', 'd'.repeat(256))).toBe(r.outcome.profileId)
  })
})

describe('tenants, attributes and notes against hostile text', () => {
  for (const tenant of ['acme\u0000', 'ac\u200bme', '\ufeffacme', 'acme\u001f']) {
    it(`dead-letters an event whose tenant holds a control or format character (${JSON.stringify(tenant)})`, async () => {
      const r = await (await given(identityConfig())).send({ tenant, ids: { email: 'a@b.co' } })
      expect(r.outcome.status).toBe('dead-lettered')
      expect(r.outputs).toEqual([
        expect.objectContaining({
          kind: 'dead-letter',
          reason: 'invalid-event',
          detail: 'tenant contains a control character',
        }),
      ])
    })
  }

  it('drops a string attribute over maxAttributeLength as too-long and keeps the others', async () => {
    const d = await given(identityConfig(tenantConfig({ maxAttributeLength: 10 })))
    const r = await d.send({
      ids: { email: 'a@b.co' },
      attributes: { first_name: 'A'.repeat(11), points: 3 },
    })
    expect(r.outcome.droppedAttributes).toEqual([{ field: 'first_name', reason: 'too-long' }])
    expect((await d.lookup(r.outcome.profileId as string))?.profile.attributes).toEqual({
      points: 3,
    })
  })

  it('keeps a string attribute of exactly the default 4096 characters, drops 4097', async () => {
    const d = await given(identityConfig())
    const kept = await d.send({
      ids: { email: 'a@b.co' },
      attributes: { first_name: 'a'.repeat(4096) },
    })
    const cut = await d.send({
      ids: { email: 'a@b.co' },
      attributes: { first_name: 'b'.repeat(4097) },
    })
    expect(kept.outcome.droppedAttributes).toEqual([])
    expect(cut.outcome.droppedAttributes).toEqual([{ field: 'first_name', reason: 'too-long' }])
  })

  it('truncates a note over maxNoteLength to the cap, marked, and keeps a short note whole', async () => {
    const d = await given(identityConfig(tenantConfig({ maxNoteLength: 100 })))
    const long = await d.send({ ids: { email: 'a@b.co' }, note: 'x'.repeat(500) })
    await d.send({ ids: { email: 'a@b.co' }, note: 'short' })
    const timeline = (await d.lookup(long.outcome.profileId as string))?.profile.timeline ?? []
    expect(timeline.map((e) => e.note)).toEqual([
      'short',
      'x'.repeat(100 - NOTE_TRUNCATION_MARK.length) + NOTE_TRUNCATION_MARK,
    ])
  })
})
