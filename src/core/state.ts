import type { EventOutcome, OutputRecord } from './types.js'

/**
 * How the core reads state: many keys per round trip. The runtime hands it a reader that
 * already reflects the writes of earlier events in the same batch (src/state write-back cache).
 */
export interface StateReader<V> {
  getMany(keys: readonly string[]): Promise<Array<V | undefined>>
  /**
   * Optional fast path: the same answer without a promise when the reader can give it from
   * memory, or null when some key needs I/O (the core then calls getMany). Saves the async
   * round per read when state is in memory or already prefetched.
   */
  getManySync?(keys: readonly string[]): Array<V | undefined> | null
}

export interface StateWrite<V> {
  readonly key: string
  /** null deletes the key. */
  readonly value: V | null
}

/** Everything one event decided: apply `writes` before deciding the next event. */
export interface Decision<V> {
  readonly writes: readonly StateWrite<V>[]
  readonly outputs: readonly OutputRecord[]
  readonly outcome: EventOutcome
}
