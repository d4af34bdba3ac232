import { describe, expect, it } from 'vitest'
import { jsonCodec, msgpackCodec, v8Codec } from '../../../src/state/record-codec.js'

const record = {
  kind: 'profile',
  tenant: 'acme',
  profileId: 'p-1',
  anchor: { type: 'customer_id', value: 'C1' },
  links: [{ type: 'email', value: 'ann@x.com' }],
  attributes: { city: 'Paris', age: 41, vip: true, score: 0.5 },
  note: null,
  timeline: [],
  createdAt: 1_700_000_000_000,
  text: 'Ünïcødé 😀',
}

describe.each([
  ['json', jsonCodec],
  ['v8', v8Codec],
  ['msgpack', msgpackCodec],
] as const)('%s codec', (_name, make) => {
  const codec = make<typeof record>()

  it('decodes what it encoded to an equal record', () => {
    expect(codec.decode(codec.encode(record))).toEqual(record)
  })

  it('decodes bytes read back from a copy (as a store returns them)', () => {
    const copy = Buffer.from(codec.encode(record))
    expect(codec.decode(copy)).toEqual(record)
  })
})

describe('msgpack codec', () => {
  it('decodes bytes written by another codec instance (no shared record structures)', () => {
    const bytes = msgpackCodec<typeof record>().encode(record)
    expect(msgpackCodec<typeof record>().decode(bytes)).toEqual(record)
  })
})
