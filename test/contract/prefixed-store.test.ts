import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { MemoryStore } from '../../src/state/memory-store.js'
import { PrefixedStore } from '../../src/state/prefixed-store.js'
import { RocksDbStore } from '../../src/state/rocksdb-store.js'
import { keyValueStoreContract } from './key-value-store.contract.js'

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)

// A view is a full store: the contract holds for it, with a neighbour writing beside it.
keyValueStoreContract('PrefixedStore over RocksDbStore', () => {
  let dir: string | null = null
  let base: RocksDbStore | null = null
  const view = async () => {
    const neighbour = new PrefixedStore(base as RocksDbStore, '1\u001e')
    await neighbour.write([{ key: 'a', value: bytes('neighbour') }])
    return new PrefixedStore(base as RocksDbStore, '0\u001e')
  }
  return {
    open: async () => {
      dir = await mkdtemp(join(tmpdir(), 'unifier-prefixed-contract-'))
      base = await RocksDbStore.open(dir)
      return view()
    },
    reopen: async (closed) => {
      await closed.close()
      await base?.close()
      base = await RocksDbStore.open(dir as string)
      return view()
    },
    cleanup: async () => {
      await base?.close()
      if (dir !== null) await rm(dir, { recursive: true, force: true })
    },
  }
})

describe('PrefixedStore', () => {
  it("never sees another partition's keys, even one whose prefix starts the same", async () => {
    const base = new MemoryStore()
    const p1 = new PrefixedStore(base, '1\u001e')
    const p10 = new PrefixedStore(base, '10\u001e')
    await p1.write([{ key: 'k', value: bytes('one') }])
    await p10.write([{ key: 'k', value: bytes('ten') }])
    const seen: string[] = []
    for await (const [key, value] of p1.scan(''))
      seen.push(`${key}=${new TextDecoder().decode(value)}`)
    expect(seen).toEqual(['k=one'])
    expect((await p10.getMany(['k'])).map((v) => new TextDecoder().decode(v))).toEqual(['ten'])
  })

  it('closing a view leaves the shared store and the other views working', async () => {
    const base = new MemoryStore()
    const a = new PrefixedStore(base, 'a\u001e')
    const b = new PrefixedStore(base, 'b\u001e')
    await a.close()
    await b.write([{ key: 'k', value: bytes('v') }])
    expect(await b.getMany(['k'])).toEqual([bytes('v')])
  })
})
