import { mkdir } from 'node:fs/promises'
import RocksDB from 'rocksdb-native'
import type { KeyValueStore, KeyValueWrite } from '../ports/key-value-store.js'

export interface RocksDbStoreOptions {
  /** RocksDB memtable size per column family; the default keeps memory modest. */
  readonly writeBufferSize?: number
}

/**
 * The durable byte store. Every call is one native round trip: getMany is one read batch,
 * write is one atomic write batch. Nothing is mirrored in memory, so state can be far larger
 * than RAM; the typed read cache in front of it is bounded (src/state/read-cache.ts).
 */
export class RocksDbStore implements KeyValueStore {
  private constructor(
    private readonly db: RocksDB,
    readonly path: string,
  ) {}

  static async open(path: string, options: RocksDbStoreOptions = {}): Promise<RocksDbStore> {
    await mkdir(path, { recursive: true })
    const db = new RocksDB(path, {
      writeBufferSize: options.writeBufferSize ?? 32 * 1024 * 1024,
    })
    await db.ready()
    return new RocksDbStore(db, path)
  }

  getMany(keys: readonly string[]): Promise<Array<Uint8Array | undefined>> {
    return readMany(this.db, keys)
  }

  /**
   * A consistent read view: every getMany on it sees the store as it was when the snapshot was
   * taken, whatever is written meanwhile (a RocksDB snapshot). Readers that need several rounds
   * for one answer (the Profile API) use it so the rounds cannot straddle a write batch.
   * Close it when done: it pins the versions it sees.
   */
  snapshot(): StoreSnapshot {
    const session = this.db.snapshot()
    return {
      getMany: (keys) => readMany(session, keys),
      close: () => session.close(),
    }
  }

  async write(batch: readonly KeyValueWrite[]): Promise<void> {
    if (batch.length === 0) return
    const writer = this.db.write({ capacity: batch.length, autoDestroy: true })
    for (const { key, value } of batch) {
      if (value === null) writer.tryDelete(key)
      else writer.tryPut(key, value)
    }
    await writer.flush()
  }

  async *scan(prefix: string): AsyncIterable<readonly [string, Uint8Array]> {
    const start = Buffer.from(prefix, 'utf8')
    const end = prefixUpperBound(start)
    const range = end === null ? { gte: start } : { gte: start, lt: end }
    // An empty prefix means every key; rocksdb-native treats an empty bound as "unbounded".
    for await (const { key, value } of this.db.iterator(prefix === '' ? {} : range)) {
      yield [key.toString('utf8'), value] as const
    }
  }

  async close(): Promise<void> {
    await this.db.close()
  }
}

/** A point-in-time read view of a store (RocksDbStore.snapshot). */
export interface StoreSnapshot {
  getMany(keys: readonly string[]): Promise<Array<Uint8Array | undefined>>
  close(): Promise<void>
}

async function readMany(
  db: RocksDB,
  keys: readonly string[],
): Promise<Array<Uint8Array | undefined>> {
  if (keys.length === 0) return []
  const batch = db.read({ capacity: keys.length, autoDestroy: true })
  const pending = keys.map((key) => batch.get(key))
  batch.tryFlush()
  const values = await Promise.all(pending)
  return values.map((value) => value ?? undefined)
}

/** The smallest key greater than every key starting with `prefix`, or null if none exists. */
export function prefixUpperBound(prefix: Uint8Array): Buffer | null {
  const bound = Buffer.from(prefix)
  for (let i = bound.length - 1; i >= 0; i--) {
    const byte = bound[i] as number
    if (byte < 0xff) {
      bound[i] = byte + 1
      return bound.subarray(0, i + 1)
    }
  }
  return null
}
