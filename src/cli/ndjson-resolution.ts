import type { IdentityConfig } from '../core/config.js'
import { createResolver, type StateRecord } from '../core/resolver.js'
import type { ContactEvent, EventOutcome, OutputRecord } from '../core/types.js'
import type { KeyValueStore } from '../ports/key-value-store.js'
import {
  BatchResolver,
  resolveAll,
  type ResolverInput,
  type ResolveStats,
} from '../runtime/batch-resolver.js'
import { createStatePrefetcher } from '../runtime/state-prefetch.js'
import type { RecordCodec } from '../state/record-codec.js'
import { parseEventLine } from './event-line.js'
import type { LineSource } from './ndjson.js'
import { Progress } from './progress.js'

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
  /** Every output record, with the input line and event that caused it, in input order. */
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
    ...(options.flushEvery === undefined ? {} : { flushEvery: options.flushEvery }),
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
  const stats = await resolveAll(resolver, inputEvents(), async ({ event, position }, decision) => {
    const line = position.sequence - base
    await releaseBefore(line)
    for (const output of decision.outputs) await options.onOutput(line, event, output)
    await options.onOutcome?.(line, decision.outcome)
  })
  await releaseBefore(Number.POSITIVE_INFINITY)
  progress?.done()
  return { ...stats, badLines }
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
