// The slice of rocksdb-native's API that src/state uses; the package ships no types.
declare module 'rocksdb-native' {
  type Key = string | Uint8Array

  interface ReadBatch {
    get(key: Key): Promise<Buffer | null>
    tryFlush(): void
    flush(): Promise<void>
    destroy(): void
  }

  interface WriteBatch {
    tryPut(key: Key, value: Uint8Array): void
    tryDelete(key: Key): void
    flush(): Promise<void>
    destroy(): void
  }

  interface IteratorRange {
    gt?: Key
    gte?: Key
    lt?: Key
    lte?: Key
    reverse?: boolean
    limit?: number
    capacity?: number
  }

  interface OpenOptions {
    createIfMissing?: boolean
    readOnly?: boolean
    maxBackgroundJobs?: number
    writeBufferSize?: number
    tableBlockSize?: number
    blockCache?: boolean
  }

  class RocksDB {
    constructor(path: string, opts?: OpenOptions)
    ready(): Promise<void>
    /** A session reading at a snapshot taken now; close() releases it. */
    snapshot(): RocksDB
    read(opts?: { capacity?: number; autoDestroy?: boolean }): ReadBatch
    write(opts?: { capacity?: number; autoDestroy?: boolean }): WriteBatch
    iterator(range?: IteratorRange): AsyncIterable<{ key: Buffer; value: Buffer }>
    flush(): Promise<void>
    close(): Promise<void>
  }

  export default RocksDB
}
