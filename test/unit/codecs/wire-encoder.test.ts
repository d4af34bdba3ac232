import { describe, expect, it } from 'vitest'
import { AvroSchemaRegistry, WireEncoder } from '../../../src/codecs/registry.js'
import { loadSchemas } from '../../../src/codecs/schemas.js'
import { readWireHeader } from '../../../src/codecs/wire.js'

/** A ProfileSnapshot whose timeline carries `noteBytes` of notes, so its encoding exceeds that. */
function bigSnapshot(noteBytes: number): Record<string, unknown> {
  const entries = 8
  const note = 'n'.repeat(Math.ceil(noteBytes / entries))
  const at = Date.parse('2026-01-02T03:04:05.000Z')
  return {
    tenant: 'acme',
    profileId: 'p-1',
    anchor: null,
    identifiers: [{ type: 'email', value: 'ada@example.com' }],
    channels: ['web'],
    attributes: { name: 'Ada' },
    provenance: {},
    timeline: Array.from({ length: entries }, (_, i) => ({
      eventId: `e${i}`,
      timestamp: at,
      source: 'web',
      note,
    })),
    mergedFrom: [],
    createdAt: at,
    updatedAt: at,
  }
}

describe('encoding an output record larger than the scratch buffer', () => {
  for (const [label, bytes] of [
    ['over 128 KiB (twice the initial buffer)', 130 * 1024],
    ['over 1 MiB', 1024 * 1024 + 17],
  ] as const) {
    it(`succeeds on the first try and round-trips: ${label}`, async () => {
      const type = (await loadSchemas()).get('ProfileSnapshot')!.type
      const encoder = new WireEncoder()
      const value = bigSnapshot(bytes)
      const wire = encoder.encode(type, 42, value)
      expect(wire.length).toBeGreaterThan(bytes)
      const { schemaId, body } = readWireHeader(wire)
      expect(schemaId).toBe(42)
      expect(type.fromBuffer(body)).toEqual(value)
      // The grown buffer serves the next record of that size without growing again.
      const capacity = encoder.capacity
      expect(type.fromBuffer(readWireHeader(encoder.encode(type, 42, value)).body)).toEqual(value)
      expect(encoder.capacity).toBe(capacity)
    })
  }

  it('still encodes small records after growing, with their own length', async () => {
    const type = (await loadSchemas()).get('ProfileSnapshot')!.type
    const encoder = new WireEncoder()
    encoder.encode(type, 1, bigSnapshot(300 * 1024))
    const small = bigSnapshot(80)
    const wire = encoder.encode(type, 1, small)
    expect(wire.length).toBeLessThan(1024)
    expect(type.fromBuffer(readWireHeader(wire).body)).toEqual(small)
  })
})

describe('the registry client encoding large records (no registry needed once the schema is known)', () => {
  it('encodes 130 KiB and then 1 MiB snapshots on the first try and decodes them back', async () => {
    const snapshot = (await loadSchemas()).get('ProfileSnapshot')!
    const registry = new AvroSchemaRegistry({ url: 'http://127.0.0.1:1', retries: 0 })
    registry.remember(9, snapshot)
    for (const bytes of [130 * 1024, 1024 * 1024 + 17]) {
      const value = bigSnapshot(bytes)
      const wire = await registry.encode(9, value)
      expect(wire.length).toBeGreaterThan(bytes)
      expect(await registry.decode(wire, snapshot)).toEqual(value)
    }
  })
})
