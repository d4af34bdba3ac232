import type { KeyValueStore, KeyValueWrite } from '../ports/key-value-store.js'

interface HeldWrite {
  readonly batch: readonly KeyValueWrite[]
  readonly resolve: () => void
  readonly reject: (err: unknown) => void
}

/**
 * Holds the overlay's flush back until the transaction that carries the same writes to the
 * state changelog has committed: the local store must never be ahead of what Kafka committed,
 * or a crash between the two would leave state that the replayed input then applies twice.
 * Reads go straight to the store.
 */
export class CommitGatedStore implements KeyValueStore {
  private held: HeldWrite | null = null
  private waiter: ((batch: readonly KeyValueWrite[]) => void) | null = null

  constructor(private readonly inner: KeyValueStore) {}

  getMany(keys: readonly string[]): Promise<Array<Uint8Array | undefined>> {
    return this.inner.getMany(keys)
  }

  write(batch: readonly KeyValueWrite[]): Promise<void> {
    if (this.held !== null) return Promise.reject(new Error('a state write is already held'))
    return new Promise<void>((resolve, reject) => {
      this.held = { batch, resolve, reject }
      const waiter = this.waiter
      this.waiter = null
      waiter?.(batch)
    })
  }

  /** Resolves with the next batch the overlay writes (it stays held until release or fail). */
  nextWrite(): Promise<readonly KeyValueWrite[]> {
    if (this.held !== null) return Promise.resolve(this.held.batch)
    return new Promise((resolve) => {
      this.waiter = resolve
    })
  }

  /** The transaction committed: write the held batch plus `alongside` in one store batch. */
  async release(alongside: readonly KeyValueWrite[]): Promise<void> {
    const held = this.held
    if (held === null) {
      if (alongside.length > 0) await this.inner.write(alongside)
      return
    }
    this.held = null
    try {
      await this.inner.write([...held.batch, ...alongside])
      held.resolve()
    } catch (err) {
      held.reject(err)
      throw err
    }
  }

  /** The transaction did not commit: the held writes are dropped and the overlay fails. */
  fail(err: unknown): void {
    const held = this.held
    this.held = null
    this.waiter = null
    held?.reject(err)
  }

  scan(prefix: string): AsyncIterable<readonly [string, Uint8Array]> {
    return this.inner.scan(prefix)
  }

  /** The task owns the inner store and closes it. */
  async close(): Promise<void> {}
}
