import { OUTPUT_KINDS } from '../codecs/output-kinds.js'
import type { Resolver, StateRecord } from '../core/resolver.js'
import type { Decision } from '../core/state.js'
import type { ContactEvent, InputPosition } from '../core/types.js'
import type { KeyValueStore } from '../ports/key-value-store.js'
import { ReadCache } from '../state/read-cache.js'
import { msgpackCodec, type RecordCodec } from '../state/record-codec.js'
import {
  WriteBackOverlay,
  type FlushedWrite,
  type SealedWrites,
} from '../state/write-back-overlay.js'
import { StoreError } from '../state/store-error.js'
import type { StatePrefetcher } from './state-prefetch.js'

/**
 * The loop shared by the CLI, the embedded mode and the benchmarks: events go through the core
 * one at a time, each seeing the writes of the ones before it (write-back overlay). The
 * accumulated writes reach the store as one atomic batch: every `flushEvery` events and at
 * `flush()` (the CLI, the benchmarks), or through `seal()`, which hands them encoded to the
 * partition task so it can commit them to the state changelog before it persists them.
 */

export interface BatchResolverOptions {
  readonly resolver: Pick<Resolver, 'decide'>
  readonly store: KeyValueStore
  readonly codec?: RecordCodec<StateRecord>
  /** Decoded records kept in memory between flushes and across them (LRU). */
  readonly cacheEntries?: number
  /**
   * Flush on its own every this many events (larger batches mean fewer round trips and more to
   * redo after a crash); none: only when `flush()` is called.
   */
  readonly flushEvery?: number
  /**
   * A key under which every flush records the last input sequence, in the same batch as the
   * state it belongs to, so a later run can continue after it (`storedSequence`). The CLI's
   * resume point; the Kafka runtime keeps its input position in Kafka and sets none.
   */
  readonly sequenceKey?: string
  /**
   * Reads the keys a window of events will need in a few store round trips before
   * deciding them (worth it for RocksDB, where every round trip costs tens of microseconds).
   */
  readonly prefetch?: StatePrefetcher
  /** Events decided per prefetch window (default: flushEvery). */
  readonly window?: number
  /** Called after every flush with what reached the store (e.g. to feed a changelog topic). */
  readonly onFlush?: (flushed: readonly FlushedWrite<StateRecord>[]) => Promise<void> | void
}

export interface ResolverInput {
  readonly event: ContactEvent
  readonly position: InputPosition
}

export interface ResolveStats {
  events: number
  applied: number
  duplicates: number
  /** Duplicates whose eventId was first applied with other content (a subset of duplicates). */
  conflictingDuplicates: number
  deadLetters: number
  merges: number
  reassignments: number
  refusals: number
  deletions: number
  ambiguous: number
  flushes: number
}

export const DEFAULT_FLUSH_EVERY = 1_000
/** Pointer levels the prefetch follows towards the roots; deeper chains are read by the core. */
const MAX_PREFETCH_HOPS = 2
export const DEFAULT_CACHE_ENTRIES = 200_000

export class BatchResolver {
  readonly stats: ResolveStats = {
    events: 0,
    applied: 0,
    duplicates: 0,
    conflictingDuplicates: 0,
    deadLetters: 0,
    merges: 0,
    reassignments: 0,
    refusals: 0,
    deletions: 0,
    ambiguous: 0,
    flushes: 0,
  }
  private readonly overlay: WriteBackOverlay<StateRecord>
  private readonly flushEvery: number | undefined
  private sinceFlush = 0
  private flushing: Promise<readonly FlushedWrite<StateRecord>[]> | null = null
  private lastSequence: number

  private constructor(
    private readonly options: BatchResolverOptions,
    /** The highest input sequence already in the store (0 for empty state). */
    readonly storedSequence: number,
  ) {
    const cacheEntries = options.cacheEntries ?? DEFAULT_CACHE_ENTRIES
    this.flushEvery = options.flushEvery
    if (
      this.flushEvery !== undefined &&
      (!Number.isInteger(this.flushEvery) || this.flushEvery < 1)
    ) {
      throw new Error(`flushEvery must be a positive integer, got ${this.flushEvery}`)
    }
    this.overlay = new WriteBackOverlay(
      options.store,
      options.codec ?? msgpackCodec<StateRecord>(),
      new ReadCache<StateRecord>(cacheEntries),
    )
    this.lastSequence = storedSequence
  }

  static async open(options: BatchResolverOptions): Promise<BatchResolver> {
    if (options.sequenceKey === undefined) return new BatchResolver(options, 0)
    const [stored] = await options.store.getMany([options.sequenceKey])
    const sequence = stored === undefined ? 0 : Number(new TextDecoder().decode(stored))
    return new BatchResolver(options, Number.isSafeInteger(sequence) ? sequence : 0)
  }

  /** Events per window for `processWindow` (and so for `resolveAll`). */
  get windowSize(): number {
    return this.options.window ?? this.flushEvery ?? DEFAULT_FLUSH_EVERY
  }

  /**
   * Decides a window of events in order. With a prefetcher, the keys they will read are
   * loaded into the cache first, in a few store round trips for the whole window; the events
   * are then decided without a promise each, unless an event's reads or `onDecision` wait.
   */
  async processWindow(
    items: readonly ResolverInput[],
    onDecision?: (input: ResolverInput, decision: Decision<StateRecord>) => Promise<void> | void,
  ): Promise<void> {
    await this.readAhead(items)
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as ResolverInput
      const deciding = this.process(item.event, item.position)
      const decision = isPromiseLike(deciding) ? await deciding : deciding
      if (onDecision === undefined) continue
      const after = onDecision(item, decision)
      if (after !== undefined) await after
    }
  }

  /**
   * With a prefetcher, loads the keys a window of events will read into the cache, so that
   * `process` can decide them without waiting (processWindow does this first).
   */
  async readAhead(items: readonly ResolverInput[]): Promise<void> {
    const prefetch = this.options.prefetch
    if (prefetch === undefined || items.length <= 1) return
    try {
      await this.prefetch(prefetch, items)
    } catch (err) {
      // A read-ahead only: a store failure is one, anything else (an event the prefetch
      // cannot read keys from) is left for that event's own decision to meet, so that it,
      // not the window's first event, is the record that fails.
      if (err instanceof StoreError) throw err
    }
  }

  /** Loads the keys a window of events will read into the cache, a few round trips in all. */
  private async prefetch(
    prefetch: StatePrefetcher,
    items: readonly ResolverInput[],
  ): Promise<void> {
    const events = items.map((item) => item.event)
    const first = prefetch.firstKeys(events)
    const values = await this.overlay.getMany(first)
    const read = new Map<string, StateRecord | undefined>()
    for (let i = 0; i < first.length; i++) read.set(first[i] as string, values[i])
    // then the profiles behind the links, and pointer → root hops, one round per level
    // (path compression keeps chains short)
    let level = prefetch.followUpKeys(events, read)
    for (let hop = 0; hop <= MAX_PREFETCH_HOPS && level.length > 0; hop++) {
      const found = await this.overlay.getMany(level)
      const records = new Map<string, StateRecord | undefined>()
      for (let i = 0; i < level.length; i++) records.set(level[i] as string, found[i])
      level = prefetch.parentKeys(records)
    }
  }

  /**
   * Decides one event against the state left by every event before it: the Decision itself
   * when the resolver answered from memory and no flush had to wait, else a promise.
   */
  process(
    event: ContactEvent,
    position: InputPosition,
  ): Decision<StateRecord> | Promise<Decision<StateRecord>> {
    const deciding = this.options.resolver.decide(event, position, this.overlay)
    if (isPromiseLike(deciding)) return deciding.then((decision) => this.taken(decision, position))
    return this.taken(deciding, position)
  }

  /** Applies a decision's writes for the events after it, counts it, flushes when due. */
  private taken(
    decision: Decision<StateRecord>,
    position: InputPosition,
  ): Decision<StateRecord> | Promise<Decision<StateRecord>> {
    this.overlay.apply(decision.writes)
    this.count(decision)
    this.lastSequence = Math.max(this.lastSequence, position.sequence)
    this.sinceFlush++
    if (this.flushEvery !== undefined && this.sinceFlush >= this.flushEvery) {
      return this.startFlush().then(() => decision)
    }
    return decision
  }

  /**
   * Every write decided since the last flush or seal, encoded, still visible to the events
   * decided next, and not in the store until the caller persists them (after its commit).
   */
  seal(): SealedWrites<StateRecord> {
    this.sinceFlush = 0
    return this.overlay.seal()
  }

  /**
   * Sends every pending write to the store as one batch and waits until it is stored (and
   * `onFlush` has run): after this, everything decided so far is durable.
   */
  async flush(): Promise<readonly FlushedWrite<StateRecord>[]> {
    await this.startFlush()
    return (await this.flushing) ?? []
  }

  /**
   * Starts a flush without waiting for the store: deciding goes on while RocksDB writes on its
   * own thread. The previous flush must have completed first (its failure surfaces here).
   */
  private async startFlush(): Promise<void> {
    await this.flushing
    if (this.sinceFlush === 0 && this.overlay.pendingCount === 0) {
      this.flushing = null
      return
    }
    const sequenceKey = this.options.sequenceKey
    const alongside =
      sequenceKey === undefined
        ? []
        : [{ key: sequenceKey, value: new TextEncoder().encode(String(this.lastSequence)) }]
    this.sinceFlush = 0
    const flushing = this.overlay.startFlush(alongside).then(async (flushed) => {
      this.stats.flushes++
      await this.options.onFlush?.(flushed)
      return flushed
    })
    // Observed here so a failure is not "unhandled" before the next flush awaits it.
    flushing.catch(() => undefined)
    this.flushing = flushing
  }

  /** Number of store round trips made for reads (cache misses), for benchmarks. */
  get storeReads(): number {
    return this.overlay.storeReadCount
  }

  private count(decision: Decision<StateRecord>): void {
    const stats = this.stats
    stats.events++
    switch (decision.outcome.status) {
      case 'applied':
        stats.applied++
        break
      case 'duplicate':
        stats.duplicates++
        if (decision.outcome.conflictingDuplicate) stats.conflictingDuplicates++
        break
      case 'dead-lettered':
        stats.deadLetters++
        break
    }
    if (decision.outcome.ambiguous) stats.ambiguous++
    for (const output of decision.outputs) {
      const stat = OUTPUT_KINDS[output.kind].stat
      if (stat !== null) stats[stat]++
    }
  }
}

/** Runs a whole input through the resolver, flushing at the end; `onDecision` sees each result. */
export async function resolveAll(
  resolver: BatchResolver,
  input: AsyncIterable<ResolverInput> | Iterable<ResolverInput>,
  onDecision?: (input: ResolverInput, decision: Decision<StateRecord>) => Promise<void> | void,
): Promise<ResolveStats> {
  let window: ResolverInput[] = []
  for await (const item of input) {
    window.push(item)
    if (window.length >= resolver.windowSize) {
      await resolver.processWindow(window, onDecision)
      window = []
    }
  }
  await resolver.processWindow(window, onDecision)
  await resolver.flush()
  return resolver.stats
}

/** A promise, or any thenable a resolver or callback returns (checked without awaiting). */
export function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return (
    value instanceof Promise ||
    (typeof value === 'object' &&
      value !== null &&
      typeof (value as { then?: unknown }).then === 'function')
  )
}
