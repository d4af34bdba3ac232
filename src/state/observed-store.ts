import type { KeyValueStore, KeyValueWrite } from '../ports/key-value-store.js'

/** Told about each batch once the store holds it; must not throw (it runs on the write path). */
export type WriteListener = (batch: readonly KeyValueWrite[]) => void

/**
 * A store that tells listeners about every write batch after the inner store has applied it:
 * how an index derived from the state (the API's search index) follows exactly what the store
 * holds. Wrapped around the store a task or a read replica applies committed state to, it sees
 * committed state only. Listeners run synchronously and should only note what changed.
 */
export class WriteObservedStore implements KeyValueStore {
  private readonly listeners = new Set<WriteListener>()

  constructor(private readonly base: KeyValueStore) {}

  /** Registers a listener; the returned function removes it. */
  onWrite(listener: WriteListener): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  getMany(keys: readonly string[]): Promise<Array<Uint8Array | undefined>> {
    return this.base.getMany(keys)
  }

  async write(batch: readonly KeyValueWrite[]): Promise<void> {
    await this.base.write(batch)
    for (const listener of this.listeners) listener(batch)
  }

  scan(prefix: string): AsyncIterable<readonly [string, Uint8Array]> {
    return this.base.scan(prefix)
  }

  close(): Promise<void> {
    return this.base.close()
  }
}
