import { MemoryStore } from '../../src/state/memory-store.js'
import { keyValueStoreContract } from './key-value-store.contract.js'

keyValueStoreContract('MemoryStore', () => ({
  open: () => Promise.resolve(new MemoryStore()),
  reopen: null,
}))
