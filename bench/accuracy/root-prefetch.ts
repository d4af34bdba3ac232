/**
 * An experiment, not the product (docs/accuracy.md): what a third prefetch round would save.
 * After a prefetch-sized read, the root profiles behind any pointer records it returned are read
 * in one more round trip and kept here until the resolver asks for them. Everything else passes
 * through; a write drops any kept copy of the keys it writes, so no stale value is ever served.
 */
import { profileKey } from '../../src/core/keys.js'
import type { StateRecord } from '../../src/core/resolver.js'
import type { KeyValueStore, KeyValueWrite } from '../../src/ports/key-value-store.js'

const PREFETCH_SIZE = 50
const PROFILE_PART = profileKey('', '')

export class RootPrefetchStore implements KeyValueStore {
  private readonly kept = new Map<string, Uint8Array | undefined>()
  /** Root reads served from the extra round: the one-key round trips it saved. */
  served = 0
  /** Off until switched on (the experiment covers the increment only). */
  enabled = false

  constructor(
    private readonly inner: KeyValueStore,
    private readonly decode: (value: Uint8Array) => StateRecord,
  ) {}

  async getMany(keys: readonly string[]): Promise<Array<Uint8Array | undefined>> {
    // Switched off (every run but the experiment's increment): a plain pass-through.
    if (!this.enabled && this.kept.size === 0) return this.inner.getMany(keys)
    const missing = keys.filter((key) => !this.kept.has(key))
    const fetched = missing.length === 0 ? [] : await this.inner.getMany(missing)
    const byKey = new Map<string, Uint8Array | undefined>()
    missing.forEach((key, i) => byKey.set(key, fetched[i]))
    const values = keys.map((key) => {
      if (byKey.has(key)) return byKey.get(key)
      this.served++
      const value = this.kept.get(key)
      this.kept.delete(key)
      return value
    })
    if (this.enabled && keys.length >= PREFETCH_SIZE) await this.keepRoots(missing, fetched)
    return values
  }

  /** Follows pointer records to their roots (a few rounds at most: chains are short). */
  private async keepRoots(
    keys: readonly string[],
    values: readonly (Uint8Array | undefined)[],
  ): Promise<void> {
    for (let round = 0; round < 4 && keys.length > 0; round++) {
      const next = new Set<string>()
      keys.forEach((key, i) => {
        const bytes = values[i]
        // Only profile keys can hold a pointer (other keys may not even hold a record).
        if (bytes === undefined || !key.includes(PROFILE_PART)) return
        const record = this.decode(bytes)
        if (record.type !== 'pointer') return
        const tenant = key.slice(0, key.indexOf('\u001f'))
        const parent = profileKey(tenant, record.parent)
        if (!this.kept.has(parent)) next.add(parent)
      })
      if (next.size === 0) return
      keys = [...next]
      values = await this.inner.getMany(keys)
      keys.forEach((key, i) => this.kept.set(key, values[i]))
    }
  }

  async write(batch: readonly KeyValueWrite[]): Promise<void> {
    for (const { key } of batch) this.kept.delete(key)
    await this.inner.write(batch)
  }

  scan(prefix: string): AsyncIterable<readonly [string, Uint8Array]> {
    return this.inner.scan(prefix)
  }

  close(): Promise<void> {
    return this.inner.close()
  }
}
