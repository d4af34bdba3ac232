import avro from 'avsc'
import { describe, expect, it } from 'vitest'
import { fitsWithin } from '../../../src/codecs/bounded-scan.js'
import { DecodeError } from '../../../src/codecs/errors.js'
import { AvroSchemaRegistry } from '../../../src/codecs/registry.js'
import { loadSchemas, SCHEMA_NAMES } from '../../../src/codecs/schemas.js'

function zigzag(n: number): Buffer {
  const bytes: number[] = []
  let v = n * 2
  do {
    let b = v % 128
    v = Math.floor(v / 128)
    if (v > 0) b |= 0x80
    bytes.push(b)
  } while (v > 0)
  return Buffer.from(bytes)
}

// Issue 11 (found by the fuzz test): avsc trusts array and map block counts.
describe('the bounds check before avsc decodes', () => {
  it('passes every record avsc itself writes, for every schema of the project', async () => {
    const schemas = await loadSchemas()
    for (const name of SCHEMA_NAMES) {
      const type = schemas.get(name)!.type
      for (let i = 0; i < 50; i++)
        expect(fitsWithin(type, type.toBuffer(type.random())), name).toBe(true)
    }
  })

  it('refuses a block count larger than the bytes left, for arrays and maps', () => {
    const type = avro.Type.forSchema({
      type: 'record',
      name: 'R',
      fields: [
        { name: 'xs', type: { type: 'array', items: 'string' } },
        { name: 'm', type: { type: 'map', values: 'long' } },
      ],
    })
    expect(
      fitsWithin(
        type,
        Buffer.concat([zigzag(2), Buffer.from([2, 0x61, 2, 0x62, 0]), Buffer.from([0])]),
      ),
    ).toBe(true)
    expect(fitsWithin(type, Buffer.concat([zigzag(100_000_000), Buffer.from([0])]))).toBe(false)
    expect(fitsWithin(type, Buffer.concat([Buffer.from([0]), zigzag(50_000_000)]))).toBe(false)
    // a string longer than the body, a negative length, a varint that never ends
    expect(fitsWithin(avro.Type.forSchema('string'), Buffer.from([20, 0x61]))).toBe(false)
    expect(fitsWithin(avro.Type.forSchema('string'), Buffer.from([3]))).toBe(false)
    expect(fitsWithin(avro.Type.forSchema('long'), Buffer.alloc(12, 0xff))).toBe(false)
  })

  it('caps arrays of zero-byte items (null) instead of reading them forever', () => {
    const nulls = avro.Type.forSchema({ type: 'array', items: 'null' })
    expect(fitsWithin(nulls, Buffer.concat([zigzag(1000), Buffer.from([0])]))).toBe(true)
    expect(fitsWithin(nulls, Buffer.concat([zigzag(2 ** 40), Buffer.from([0])]))).toBe(false)
  })

  it('dead-letters a ContactEvent claiming a hundred million identifiers, at once', async () => {
    const contact = (await loadSchemas()).get('ContactEvent')!
    const registry = new AvroSchemaRegistry({ url: 'http://127.0.0.1:1', retries: 0 })
    registry.remember(7, contact)
    const valid = await registry.encode(7, {
      eventId: 'e',
      tenant: 't',
      type: 'identify',
      source: 's',
      timestamp: 0,
      identifiers: [],
      attributes: {},
      note: null,
    })
    // The last three bytes: no identifiers, no attributes, a null note.
    expect([...valid.subarray(-3)]).toEqual([0, 0, 0])
    expect(await registry.decode(valid, contact)).toMatchObject({ eventId: 'e' })
    const hostile = Buffer.concat([valid.subarray(0, -3), zigzag(100_000_000), Buffer.from([0, 0])])
    const started = performance.now()
    const failure = await registry.decode(hostile, contact).catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(DecodeError)
    expect((failure as DecodeError).code).toBe('undecodable')
    expect(performance.now() - started).toBeLessThan(1000)
  })
})
