import { describe, expect, it } from 'vitest'
import type { KeyValueWrite } from '../../../src/ports/key-value-store.js'
import { MemoryStore } from '../../../src/state/memory-store.js'
import { ReadCache } from '../../../src/state/read-cache.js'
import { jsonCodec } from '../../../src/state/record-codec.js'
import { WriteBackOverlay } from '../../../src/state/write-back-overlay.js'

interface Rec {
  readonly v: string
}

/** A MemoryStore that records every call, to count round trips and batches. */
class CountingStore extends MemoryStore {
  readonly reads: string[][] = []
  readonly batches: KeyValueWrite[][] = []
  override getMany(keys: readonly string[]) {
    this.reads.push([...keys])
    return super.getMany(keys)
  }
  override write(batch: readonly KeyValueWrite[]) {
    this.batches.push([...batch])
    return super.write(batch)
  }
}

const codec = jsonCodec<Rec>()

async function seeded(entries: Record<string, string>, cacheSize = 100) {
  const store = new CountingStore()
  await store.write(
    Object.entries(entries).map(([key, v]) => ({ key, value: codec.encode({ v }) })),
  )
  store.batches.length = 0
  const overlay = new WriteBackOverlay(store, codec, new ReadCache<Rec>(cacheSize))
  return { store, overlay }
}

describe('WriteBackOverlay', () => {
  it('returns pending writes before they reach the store', async () => {
    const { store, overlay } = await seeded({ a: 'stored' })
    overlay.apply([{ key: 'a', value: { v: 'pending' } }])
    overlay.apply([{ key: 'b', value: { v: 'new' } }])
    expect(await overlay.getMany(['a', 'b'])).toEqual([{ v: 'pending' }, { v: 'new' }])
    expect(store.reads).toEqual([])
    expect(store.size).toBe(1)
  })

  it('hides a stored value behind a pending delete', async () => {
    const { overlay } = await seeded({ a: 'stored' })
    overlay.apply([{ key: 'a', value: null }])
    expect(await overlay.getMany(['a'])).toEqual([undefined])
  })

  it('asks the store once per getMany, only for keys it does not know, each key once', async () => {
    const { store, overlay } = await seeded({ a: 'A', b: 'B' })
    overlay.apply([{ key: 'p', value: { v: 'P' } }])
    expect(await overlay.getMany(['a', 'p', 'x', 'a', 'b'])).toEqual([
      { v: 'A' },
      { v: 'P' },
      undefined,
      { v: 'A' },
      { v: 'B' },
    ])
    expect(store.reads).toEqual([['a', 'x', 'b']])
    // Second read: everything is cached, including the absence of x.
    expect(await overlay.getMany(['a', 'x', 'b'])).toEqual([{ v: 'A' }, undefined, { v: 'B' }])
    expect(store.reads).toHaveLength(1)
  })

  it('flushes all pending writes as one batch, last write per key, and returns them', async () => {
    const { store, overlay } = await seeded({ gone: 'old' })
    overlay.apply([{ key: 'k', value: { v: '1' } }])
    overlay.apply([
      { key: 'k', value: { v: '2' } },
      { key: 'gone', value: null },
    ])
    const flushed = await overlay.flush()
    expect(flushed.map(({ key, value }) => ({ key, value }))).toEqual([
      { key: 'k', value: { v: '2' } },
      { key: 'gone', value: null },
    ])
    expect(flushed[0]?.bytes && codec.decode(flushed[0].bytes)).toEqual({ v: '2' })
    expect(flushed[1]?.bytes).toBeNull()
    expect(store.batches).toHaveLength(1)
    expect(await store.getMany(['k', 'gone'])).toEqual([expect.any(Uint8Array), undefined])
    expect(overlay.pendingCount).toBe(0)
    expect(await overlay.flush()).toEqual([])
    expect(store.batches).toHaveLength(1)
  })

  it('reads flushed values correctly after the cache evicted them', async () => {
    const { overlay } = await seeded({}, 1)
    overlay.apply([
      { key: 'a', value: { v: 'A' } },
      { key: 'b', value: { v: 'B' } },
    ])
    await overlay.flush()
    expect(await overlay.getMany(['a', 'b'])).toEqual([{ v: 'A' }, { v: 'B' }])
  })

  it('refuses further use after the store refused a flush, rather than pretend it is stored', async () => {
    const { store, overlay } = await seeded({ a: 'stored' })
    store.write = () => Promise.reject(new Error('disk full'))
    overlay.apply([{ key: 'a', value: { v: 'lost?' } }])
    await expect(overlay.flush()).rejects.toThrow('disk full')
    await expect(overlay.getMany(['a'])).rejects.toThrow(/failed store write/)
    await expect(overlay.flush()).rejects.toThrow(/failed store write/)
  })

  it('serves the writes of a flush in flight to reads, and caches them once stored', async () => {
    const { store, overlay } = await seeded({ a: 'old' })
    let release: () => void = () => undefined
    const realWrite = store.write.bind(store)
    store.write = (batch) =>
      new Promise<void>((resolve) => (release = () => void realWrite(batch).then(resolve)))
    overlay.apply([{ key: 'a', value: { v: 'new' } }])
    const flushing = overlay.startFlush()
    expect(overlay.pendingCount).toBe(0)
    expect(await overlay.getMany(['a'])).toEqual([{ v: 'new' }])
    release()
    await flushing
    expect(await overlay.getMany(['a'])).toEqual([{ v: 'new' }])
    expect(store.reads).toEqual([])
  })
})
