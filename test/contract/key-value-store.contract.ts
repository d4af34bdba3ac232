import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { KeyValueStore } from '../../src/ports/key-value-store.js'

/** A store factory for one test; `reopen` gives a new handle on the same data (null: no durability). */
export interface StoreFixture {
  readonly open: () => Promise<KeyValueStore>
  readonly reopen: ((closed: KeyValueStore) => Promise<KeyValueStore>) | null
  readonly cleanup?: () => Promise<void>
}

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)
const text = (value: Uint8Array | undefined): string | undefined =>
  value === undefined ? undefined : new TextDecoder().decode(value)

async function collect(store: KeyValueStore, prefix: string): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = []
  for await (const [key, value] of store.scan(prefix))
    out.push([key, new TextDecoder().decode(value)])
  return out
}

/** The behaviour every KeyValueStore implementation must share (run by *-store.test.ts). */
export function keyValueStoreContract(name: string, makeFixture: () => StoreFixture): void {
  const durable = makeFixture().reopen !== null
  describe(`${name} (KeyValueStore contract)`, () => {
    let fixture: StoreFixture
    let store: KeyValueStore

    beforeEach(async () => {
      fixture = makeFixture()
      store = await fixture.open()
    })

    afterEach(async () => {
      await store.close()
      await fixture.cleanup?.()
    })

    it('returns undefined for keys never written, aligned with the requested keys', async () => {
      await store.write([{ key: 'b', value: bytes('2') }])
      const values = await store.getMany(['a', 'b', 'c', 'b'])
      expect(values.map(text)).toEqual([undefined, '2', undefined, '2'])
    })

    it('answers a getMany of thousands of keys in request order (a prefetch window)', async () => {
      const written = Array.from({ length: 3_000 }, (_, i) => `key-${i}`)
      await store.write(written.map((key) => ({ key, value: bytes(`value of ${key}`) })))
      // every third key absent, some asked twice: the answer stays aligned with the request
      const asked = Array.from({ length: 4_500 }, (_, i) => `key-${(i * 7) % 4_500}`)
      const values = (await store.getMany(asked)).map(text)
      expect(values).toEqual(
        asked.map((key) => (Number(key.slice(4)) < 3_000 ? `value of ${key}` : undefined)),
      )
    })

    it('answers an empty getMany with an empty array', async () => {
      expect(await store.getMany([])).toEqual([])
    })

    it('applies puts and deletes of one batch in order', async () => {
      await store.write([
        { key: 'k1', value: bytes('one') },
        { key: 'k2', value: bytes('two') },
        { key: 'k1', value: bytes('uno') },
        { key: 'k2', value: null },
      ])
      expect((await store.getMany(['k1', 'k2'])).map(text)).toEqual(['uno', undefined])
    })

    it('deletes a value written by an earlier batch', async () => {
      await store.write([{ key: 'gone', value: bytes('x') }])
      await store.write([{ key: 'gone', value: null }])
      expect(await store.getMany(['gone'])).toEqual([undefined])
    })

    it('accepts an empty batch and a delete of a missing key', async () => {
      await store.write([])
      await store.write([{ key: 'never', value: null }])
      expect(await store.getMany(['never'])).toEqual([undefined])
    })

    it('keeps binary values byte for byte, including an empty value', async () => {
      const binary = Uint8Array.from([0, 255, 1, 254, 0])
      await store.write([
        { key: 'bin', value: binary },
        { key: 'empty', value: new Uint8Array(0) },
      ])
      const [bin, empty] = await store.getMany(['bin', 'empty'])
      expect(bin && [...bin]).toEqual([0, 255, 1, 254, 0])
      expect(empty && [...empty]).toEqual([])
    })

    it('is not changed when the caller mutates a buffer it wrote', async () => {
      const value = bytes('abc')
      await store.write([{ key: 'm', value }])
      value[0] = 'z'.charCodeAt(0)
      expect(text((await store.getMany(['m']))[0])).toBe('abc')
    })

    it('is not changed when the caller mutates a Node Buffer it wrote or read', async () => {
      // Codecs hand the store Buffers, whose slice() is a view, not a copy.
      const value = Buffer.from('abc')
      await store.write([{ key: 'b', value }])
      value[0] = 'z'.charCodeAt(0)
      const read = (await store.getMany(['b']))[0]
      expect(text(read)).toBe('abc')
      read![1] = 'z'.charCodeAt(0)
      expect(text((await store.getMany(['b']))[0])).toBe('abc')
    })

    it('scans only keys with the prefix, in byte order', async () => {
      await store.write(
        [
          't1/l/b',
          't1/l/a',
          't1/p/1',
          't1/l/\u00e9',
          't1/l/\u{1F600}',
          't1/l/\uFFFD',
          't10/l/a',
          't0',
        ].map((key) => ({ key, value: bytes(key) })),
      )
      const keys = (await collect(store, 't1/l/')).map(([key]) => key)
      expect(keys).toEqual(['t1/l/a', 't1/l/b', 't1/l/\u00e9', 't1/l/\uFFFD', 't1/l/\u{1F600}'])
      expect((await collect(store, 't1/p/'))[0]).toEqual(['t1/p/1', 't1/p/1'])
    })

    it('scans every key for the empty prefix and nothing for an unused prefix', async () => {
      await store.write([
        { key: 'b', value: bytes('2') },
        { key: 'a', value: bytes('1') },
      ])
      expect(await collect(store, '')).toEqual([
        ['a', '1'],
        ['b', '2'],
      ])
      expect(await collect(store, 'zz')).toEqual([])
    })

    it('handles a batch of many keys in one write and one read', async () => {
      const keys = Array.from({ length: 5000 }, (_, i) => `n/${String(i).padStart(5, '0')}`)
      await store.write(keys.map((key) => ({ key, value: bytes(key) })))
      const values = await store.getMany(keys)
      expect(values.map(text)).toEqual(keys)
    })

    if (durable) {
      it('keeps its data across close and reopen', async () => {
        await store.write([{ key: 'durable', value: bytes('yes') }])
        store = await (fixture.reopen as NonNullable<StoreFixture['reopen']>)(store)
        expect(text((await store.getMany(['durable']))[0])).toBe('yes')
      })
    }
  })
}
