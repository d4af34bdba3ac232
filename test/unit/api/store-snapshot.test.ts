import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { RocksDbStore } from '../../../src/state/rocksdb-store.js'

const bytes = (s: string) => new TextEncoder().encode(s)
const text = (b: Uint8Array | undefined) =>
  b === undefined ? undefined : new TextDecoder().decode(b)

describe('a RocksDB snapshot, the read side’s consistent view', () => {
  it('keeps answering as of when it was taken while the processor writes on', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'unifier-snap-'))
    const store = await RocksDbStore.open(dir)
    try {
      await store.write([
        { key: 'link', value: bytes('p1') },
        { key: 'p1', value: bytes('root') },
      ])
      const snap = store.snapshot()
      await store.write([
        { key: 'link', value: bytes('p7') },
        { key: 'p1', value: null },
      ])
      expect((await snap.getMany(['link', 'p1'])).map(text)).toEqual(['p1', 'root'])
      expect((await store.getMany(['link', 'p1'])).map(text)).toEqual(['p7', undefined])
      await snap.close()
    } finally {
      await store.close()
      await rm(dir, { recursive: true, force: true })
    }
  })
})
