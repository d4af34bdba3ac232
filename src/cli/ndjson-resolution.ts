import type { IdentityConfig } from '../core/config.js'
import { createResolver, type StateRecord } from '../core/resolver.js'
import type { Decision } from '../core/state.js'
import type { ContactEvent, EventOutcome, OutputRecord } from '../core/types.js'
import type { KeyValueStore } from '../ports/key-value-store.js'
import {
  BatchResolver,
  DEFAULT_FLUSH_EVERY,
  isPromiseLike,
  type ResolverInput,
  type ResolveStats,
} from '../runtime/batch-resolver.js'
import { LatestProfiles, type ProfileChangelogMode } from '../runtime/profile-changelog.js'
import { createStatePrefetcher } from '../runtime/state-prefetch.js'
import type { RecordCodec } from '../state/record-codec.js'
import { parseEventLine } from '../codecs/event-line.js'
import type { LineSource } from '../codecs/ndjson.js'
import { Progress } from './progress.js'

/**
 * Where the last run's input stopped: stored beside the core's keys (it has no tenant part, so
 * it never collides with them), in the same batch as the state it belongs to.
 */
export const RESUME_SEQUENCE_KEY = '\u0000last-sequence'

/** A line that never reached the resolver: over the length cap, not JSON, or not a ContactEvent. */
export interface BadLine {
  readonly line: number
  readonly eventId: string | null
  readonly tenant: string | null
  readonly reason: 'line-too-long' | 'undecodable' | 'invalid-event'
  readonly detail: string
}

export interface NdjsonResolution {
  readonly config: IdentityConfig
  readonly source: LineSource
  readonly store: KeyValueStore
  readonly codec: RecordCodec<StateRecord>
  readonly prefetch: boolean
  readonly flushEvery?: number
  readonly cacheEntries?: number
  readonly progress?: Progress
  /**
   * `coalesced` (default): one profile record per profile per window of decided events (a
   * state batch, `flushEvery` events, fewer when the input goes quiet), its last state, after
   * the window; `every-change`: one per change, in input order.
   */
  readonly profileChangelog?: ProfileChangelogMode
  /**
   * Every output record, with the input line and event that caused it (for a coalesced profile
   * record, its last change), in input order (coalesced profile records: at the window's end).
   */
  readonly onOutput: (
    line: number,
    event: ContactEvent,
    output: OutputRecord,
  ) => Promise<void> | void
  /** The outcome of every decided event (dropped identifiers, ambiguity), after its outputs. */
  readonly onOutcome?: (line: number, outcome: EventOutcome) => Promise<void> | void
  /** Called in line order relative to onOutput. */
  readonly onBadLine: (bad: BadLine) => Promise<void> | void
}

/**
 * NDJSON lines → the batch resolver, shared by `resolve` and `start`. Sequences continue after
 * the stored state's, so "the later input position wins" stays true across runs.
 */
export async function resolveNdjson(
  options: NdjsonResolution,
): Promise<ResolveStats & { badLines: number }> {
  const resolver = await BatchResolver.open({
    resolver: createResolver(options.config),
    store: options.store,
    codec: options.codec,
    ...(options.prefetch ? { prefetch: createStatePrefetcher(options.config) } : {}),
    flushEvery: options.flushEvery ?? DEFAULT_FLUSH_EVERY,
    sequenceKey: RESUME_SEQUENCE_KEY,
    ...(options.cacheEntries === undefined ? {} : { cacheEntries: options.cacheEntries }),
  })
  const base = resolver.storedSequence
  const { source, progress } = options
  // Bad lines are found when read, a window ahead of the resolver: hold them until the
  // resolver reaches their line so every consumer sees one ordered stream.
  const held: BadLine[] = []
  const releaseBefore = async (line: number) => {
    while (held.length > 0 && (held[0] as BadLine).line < line)
      await options.onBadLine(held.shift() as BadLine)
  }

  async function* inputEvents(): AsyncGenerator<ResolverInput> {
    for await (const read of source.lines) {
      const { lineNumber } = read
      if (read.kind === 'too-long') {
        held.push(tooLong(lineNumber, read.bytes, source.maxLineBytes))
        badLines++
        continue
      }
      if (read.text.trim() === '') continue
      const parsed = parseEventLine(read.text)
      if (parsed.ok) {
        yield { event: parsed.event, position: { sequence: base + lineNumber } }
      } else {
        const { reason, eventId, tenant, detail } = parsed
        held.push({ line: lineNumber, eventId, tenant, reason, detail })
        badLines++
      }
      progress?.update(
        resolver.stats.events + badLines,
        fraction(source.bytesRead(), source.totalBytes),
      )
    }
  }

  let badLines = 0
  const latest =
    (options.profileChangelog ?? 'coalesced') === 'coalesced'
      ? new LatestProfiles<{ line: number; event: ContactEvent }>()
      : null
  /**
   * A decision's outputs (from the `from`th) and outcome to the callbacks, after the bad lines
   * before it; a promise only when a callback returned one (a full output stream).
   */
  const emit = (
    line: number,
    event: ContactEvent,
    decision: Decision<StateRecord>,
    from: number,
  ): Promise<void> | undefined => {
    const outputs = decision.outputs
    for (let i = from; i < outputs.length; i++) {
      const output = outputs[i] as OutputRecord
      if (latest?.hold(output, { line, event }) === true) continue
      const writing = options.onOutput(line, event, output)
      if (isPromiseLike(writing)) {
        return Promise.resolve(writing).then(() => emit(line, event, decision, i + 1))
      }
    }
    const reporting = options.onOutcome?.(line, decision.outcome)
    return isPromiseLike(reporting) ? Promise.resolve(reporting) : undefined
  }
  await decideAsRead(
    resolver,
    inputEvents(),
    ({ event, position }, decision) => {
      const line = position.sequence - base
      if (held.length > 0 && (held[0] as BadLine).line < line) {
        return releaseBefore(line).then(() => emit(line, event, decision, 0))
      }
      return emit(line, event, decision, 0)
    },
    async () => {
      for (const { output, cause } of latest?.take() ?? [])
        await options.onOutput(cause.line, cause.event, output)
      // Every line read so far is decided: the bad ones among them can go out now.
      await releaseBefore(Number.POSITIVE_INFINITY)
    },
  )
  await releaseBefore(Number.POSITIVE_INFINITY)
  progress?.done()
  return { ...resolver.stats, badLines }
}

/** How long the input may stay silent before a part-filled window is decided anyway. */
const IDLE_MS = 200

/**
 * resolveAll, except that a window is also decided when the input goes quiet: with `--input -`
 * fed by a live producer (tail -f), outputs appear as the events arrive instead of when a
 * window of a thousand has filled or the input has ended. One interval timer for the run,
 * not one per event: reading a file never goes quiet for 200 ms, so its windows stay full.
 */
async function decideAsRead(
  resolver: BatchResolver,
  input: AsyncIterable<ResolverInput>,
  onDecision: (input: ResolverInput, decision: Decision<StateRecord>) => Promise<void> | undefined,
  afterWindow: () => Promise<void>,
): Promise<void> {
  const items = input[Symbol.asyncIterator]()
  let window: ResolverInput[] = []
  let pending: Promise<IteratorResult<ResolverInput>> | null = null
  // Who waits for the next read while a window is part-filled; the timer wakes it. One waiter
  // per read: a Promise.race against one long-lived idle promise would add a reaction to it
  // per event, held until the input next goes quiet (never, for a file).
  let wake: ((idle: 'idle') => void) | null = null
  let reads = 0
  let readsAtLastTick = -1
  const timer = setInterval(() => {
    if (window.length > 0 && reads === readsAtLastTick) wake?.('idle')
    readsAtLastTick = reads
  }, IDLE_MS)
  timer.unref()
  const decide = async () => {
    const decided = window
    window = []
    if (decided.length > 0) await resolver.processWindow(decided, onDecision)
    await afterWindow()
  }
  try {
    for (;;) {
      const read = (pending ??= items.next())
      const next =
        window.length === 0
          ? await read
          : await new Promise<IteratorResult<ResolverInput> | 'idle'>((resolve, reject) => {
              wake = resolve
              read.then(resolve, reject)
            })
      wake = null
      if (next === 'idle') {
        await decide()
        continue
      }
      pending = null
      reads++
      if (next.done === true) break
      window.push(next.value)
      if (window.length >= resolver.windowSize) await decide()
    }
    await decide()
    await resolver.flush()
  } finally {
    clearInterval(timer)
  }
}

function tooLong(line: number, bytes: number, cap: number): BadLine {
  return {
    line,
    eventId: null,
    tenant: null,
    reason: 'line-too-long',
    detail: `the line is ${bytes} bytes, over the ${cap}-byte cap (--max-line-bytes); not read`,
  }
}

function fraction(done: number, total: number | null): number | null {
  return total === null || total === 0 ? null : done / total
}
