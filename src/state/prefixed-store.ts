import type { KeyValueStore, KeyValueWrite } from '../ports/key-value-store.js'

/**
 * One partition's store inside a store shared by several: every key is stored with `prefix` in
 * front, and the view sees only its own keys. The processor keeps all its partitions in one
 * RocksDB this way, so they share one set of memtables, one block cache and one set of
 * background threads instead of one each (memory grew with the partition count otherwise).
 * Closing a view closes nothing: the shared store's owner closes it once every view is done.
 */
export class PrefixedStore implements KeyValueStore {
  constructor(
    private readonly base: KeyValueStore,
    readonly prefix: string,
  ) {
    if (prefix.length === 0) throw new Error('a prefixed store needs a non-empty prefix')
  }

  getMany(keys: readonly string[]): Promise<Array<Uint8Array | undefined>> {
    return this.base.getMany(keys.map((key) => this.prefix + key))
  }

  write(batch: readonly KeyValueWrite[]): Promise<void> {
    return this.base.write(batch.map(({ key, value }) => ({ key: this.prefix + key, value })))
  }

  async *scan(prefix: string): AsyncIterable<readonly [string, Uint8Array]> {
    const cut = this.prefix.length
    for await (const [key, value] of this.base.scan(this.prefix + prefix)) {
      yield [key.slice(cut), value] as const
    }
  }

  async close(): Promise<void> {}
}
