/**
 * The state store failed a read or a write (disk, RocksDB). Thrown by the layers over the byte
 * store so the runtime can tell it from a failure of the resolver (failure code `store-error`).
 */
export class StoreError extends Error {
  override readonly name = 'StoreError'
  readonly code = 'store-error'
  constructor(operation: 'read' | 'write', cause: unknown) {
    super(
      `state store ${operation} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        cause,
      },
    )
  }
}
