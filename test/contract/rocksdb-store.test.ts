import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RocksDbStore } from '../../src/state/rocksdb-store.js'
import { keyValueStoreContract } from './key-value-store.contract.js'

keyValueStoreContract('RocksDbStore', () => {
  let dir: string | null = null
  return {
    open: async () => {
      dir = await mkdtemp(join(tmpdir(), 'unifier-rocksdb-contract-'))
      return RocksDbStore.open(dir)
    },
    reopen: async (closed) => {
      await closed.close()
      return RocksDbStore.open(dir as string)
    },
    cleanup: async () => {
      if (dir !== null) await rm(dir, { recursive: true, force: true })
    },
  }
})
