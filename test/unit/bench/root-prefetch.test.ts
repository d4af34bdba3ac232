import { describe, expect, it } from 'vitest'
import { RootPrefetchStore } from '../../../bench/accuracy/root-prefetch.js'
import { profileKey } from '../../../src/core/keys.js'
import type { StateRecord } from '../../../src/core/resolver.js'
import { MemoryStore } from '../../../src/state/memory-store.js'
import { msgpackCodec } from '../../../src/state/record-codec.js'

const codec = msgpackCodec<StateRecord>()
const pointer = (parent: string) => codec.encode({ type: 'pointer', parent } as StateRecord)
const root = profileKey('acme', 'p_root')
const rootBytes = codec.encode({ type: 'forgotten' } as StateRecord)
const newerBytes = codec.encode({ type: 'forgotten', newer: true } as unknown as StateRecord)
const other = (i: number) => profileKey('acme', `p_other${i}`)

/** The one value read, as plain numbers (stores may hand back a Buffer or a Uint8Array). */
const bytesOf = (values: readonly (Uint8Array | undefined)[]) => [...(values[0] ?? [])]

async function setUp() {
  const inner = new MemoryStore()
  await inner.write([
    { key: profileKey('acme', 'p_old'), value: pointer('p_root') },
    { key: root, value: rootBytes },
  ])
  const store = new RootPrefetchStore(inner, (bytes) => codec.decode(bytes))
  store.enabled = true
  // A prefetch-sized read that meets the pointer.
  await store.getMany([
    profileKey('acme', 'p_old'),
    ...Array.from({ length: 60 }, (_, i) => other(i)),
  ])
  return store
}

describe('root prefetch experiment store', () => {
  it('answers the root behind a pointer from the extra round, with the stored bytes', async () => {
    const store = await setUp()
    expect(bytesOf(await store.getMany([root]))).toEqual([...rootBytes])
    expect(store.served).toBe(1)
  })

  it('never serves a kept value after the key was written', async () => {
    const store = await setUp()
    await store.write([{ key: root, value: newerBytes }])
    expect(bytesOf(await store.getMany([root]))).toEqual([...newerBytes])
    expect(store.served).toBe(0)
  })
})
