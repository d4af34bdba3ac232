import type { KeyValueStore, KeyValueWrite } from '../ports/key-value-store.js'

/** Told about each batch once the store holds it; must not throw (it runs on the write path). */
export type WriteListener = (batch: readonly KeyValueWrite[]) => void

/**
 * Told when a batch starts being applied and when that ends (applied or failed): between the
 * two, a reader of the store may see the batch or not. Must not throw.
 */
export interface WriteWatcher {
  begin(batch: readonly KeyValueWrite[]): void
  end(batch: readonly KeyValueWrite[]): void
}

/** The write notifications of a store a reader reads without a snapshot (api/committed-records.ts). */
export interface WriteFeed {
  watch(watcher: WriteWatcher): () => void
}

/**
 * A store that tells listeners about every write batch after the inner store has applied it:
 * how an index derived from the state (the API's search index) follows exactly what the store
 * holds. Wrapped around the store a task or a read replica applies committed state to, it sees
 * committed state only. Listeners run synchronously and should only note what changed.
 * Watchers also hear of a batch before it is applied (a cache drops its keys then).
 */
export class WriteObservedStore implements KeyValueStore, WriteFeed {
  private readonly listeners = new Set<WriteListener>()
  private readonly watchers = new Set<WriteWatcher>()

  constructor(private readonly base: KeyValueStore) {}

  /** Registers a listener; the returned function removes it. */
  onWrite(listener: WriteListener): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  /** Registers a watcher; the returned function removes it. */
  watch(watcher: WriteWatcher): () => void {
    this.watchers.add(watcher)
    return () => {
      this.watchers.delete(watcher)
    }
  }

  getMany(keys: readonly string[]): Promise<Array<Uint8Array | undefined>> {
    return this.base.getMany(keys)
  }

  async write(batch: readonly KeyValueWrite[]): Promise<void> {
    const watchers = [...this.watchers]
    for (const w of watchers) w.begin(batch)
    try {
      await this.base.write(batch)
    } finally {
      for (const w of watchers) w.end(batch)
    }
    for (const listener of this.listeners) listener(batch)
  }

  scan(prefix: string): AsyncIterable<readonly [string, Uint8Array]> {
    return this.base.scan(prefix)
  }

  close(): Promise<void> {
    return this.base.close()
  }
}
