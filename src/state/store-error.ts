import { CodedError } from '../ports/coded-error.js'

/**
 * The state store failed a read or a write (disk, RocksDB). Thrown by the layers over the byte
 * store so the runtime can tell it from a failure of the resolver (failure code `store-error`).
 */
export class StoreError extends CodedError<'store-error'> {
  override readonly name = 'StoreError'
  constructor(operation: 'read' | 'write', cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause)
    // retriable by reopening the task (its store is restored), never by repeating the call
    super('store-error', `state store ${operation} failed: ${reason}`, false, { cause })
  }
}
