/**
 * Profile Unifier over generated files, in-process, through the pieces `unifier resolve` and
 * the processors use (NDJSON line parsing → batch resolver with prefetch → store), and its
 * final partition read back from the store.
 */
import { parseEventLine } from '../../src/codecs/event-line.js'
import { openLines } from '../../src/codecs/ndjson.js'
import { liveProfiles } from '../../src/state/profiles.js'
import type { IdentityConfig } from '../../src/core/config.js'
import { createResolver, type StateRecord } from '../../src/core/resolver.js'
import type { Decision } from '../../src/core/state.js'
import type { ContactEvent } from '../../src/core/types.js'
import type { KeyValueStore } from '../../src/ports/key-value-store.js'
import { RESUME_SEQUENCE_KEY } from '../../src/cli/ndjson-resolution.js'
import {
  BatchResolver,
  DEFAULT_FLUSH_EVERY,
  resolveAll,
  type ResolverInput,
  type ResolveStats,
} from '../../src/runtime/batch-resolver.js'
import { createStatePrefetcher } from '../../src/runtime/state-prefetch.js'
import { msgpackCodec } from '../../src/state/record-codec.js'
import { NdjsonFile } from '../lib/ndjson-file.js'
import { identifierKey } from './pairwise.js'

export interface FileRun extends ResolveStats {
  readonly badLines: number
  /** Merges by what connected the two profiles (the merge's `via`), classified by `classify`. */
  readonly mergesVia: Readonly<Record<string, number>>
  /** Identifiers dropped by reason (blocked, invalid, limit-exceeded, ...). */
  readonly dropped: Readonly<Record<string, number>>
  readonly elapsedMs: number
  /** CPU time of the whole process (every thread, RocksDB's included) during the run. */
  readonly cpuMs: number
  readonly eventsPerSecond: number
  /** Output records emitted (snapshots, merges, tombstones, ...). */
  readonly outputs: number
}

export interface ResolveOptions {
  readonly classify?: (key: string) => string
  readonly outputFile?: string
}

const codec = msgpackCodec<StateRecord>()

/**
 * One batch resolver over one store, kept across files: a running processor (the embedded mode,
 * a Kafka task) keeps its resolver and read cache between the events it receives, so an
 * increment absorbed by the same session is what a deployment that has been running does. A
 * new session per file is a process started for that file on the existing state (`unifier
 * resolve --state DIR`), with a cold cache.
 */
export class ResolverSession {
  /** Input sequence of the last line given so far: later files continue after it. */
  private sequence: number

  private constructor(readonly resolver: BatchResolver) {
    this.sequence = resolver.storedSequence
  }

  static async open(
    config: IdentityConfig,
    store: KeyValueStore,
    options: { prefetch: boolean; flushEvery?: number; cacheEntries?: number },
  ): Promise<ResolverSession> {
    const resolver = await BatchResolver.open({
      resolver: createResolver(config),
      store,
      codec,
      ...(options.prefetch ? { prefetch: createStatePrefetcher(config) } : {}),
      flushEvery: options.flushEvery ?? DEFAULT_FLUSH_EVERY,
      // increments continue after the stored sequence, as `unifier resolve` runs do
      sequenceKey: RESUME_SEQUENCE_KEY,
      ...(options.cacheEntries === undefined ? {} : { cacheEntries: options.cacheEntries }),
    })
    return new ResolverSession(resolver)
  }

  /**
   * Resolves every line of a file (bad lines counted, as `unifier resolve` dead-letters them)
   * and flushes the state; `onDecision` sees each decision in input order.
   */
  async resolve(
    path: string,
    onDecision: (event: ContactEvent, decision: Decision<StateRecord>) => Promise<void> | void,
  ): Promise<ResolveStats & { badLines: number }> {
    const before = { ...this.resolver.stats }
    const base = this.sequence
    let badLines = 0
    let lines = 0
    const source = await openLines(path)
    async function* inputs(): AsyncGenerator<ResolverInput> {
      for await (const line of source.lines) {
        lines = line.lineNumber
        if (line.kind === 'too-long') {
          badLines++
          continue
        }
        if (line.text.trim() === '') continue
        const parsed = parseEventLine(line.text)
        if (parsed.ok) yield { event: parsed.event, position: { sequence: base + line.lineNumber } }
        else badLines++
      }
    }
    const after = await resolveAll(this.resolver, inputs(), (input, decision) =>
      onDecision(input.event, decision),
    )
    this.sequence = base + lines
    const delta = Object.fromEntries(
      Object.entries(after).map(([k, v]) => [k, v - before[k as keyof ResolveStats]]),
    ) as unknown as ResolveStats
    return { ...delta, badLines }
  }
}

/**
 * Applies one NDJSON file through `session` on top of whatever its store holds. With
 * `outputFile`, every output record is written there as NDJSON (what a deployment emits
 * downstream), inside the timing.
 */
export async function resolveFile(
  session: ResolverSession,
  path: string,
  options: ResolveOptions = {},
): Promise<FileRun> {
  const classify = options.classify ?? (() => 'identifier')
  const mergesVia: Record<string, number> = {}
  const dropped: Record<string, number> = {}
  const started = performance.now()
  const cpuStarted = process.cpuUsage()
  const writer = options.outputFile === undefined ? null : new NdjsonFile(options.outputFile)
  let outputs = 0
  try {
    const stats = await session.resolve(path, async (event, decision) => {
      for (const output of decision.outputs) {
        outputs++
        if (writer !== null) await writer.write({ eventId: event.eventId, ...output })
        if (output.kind !== 'merged') continue
        const cause =
          output.via === null ? 'none' : classify(identifierKey(output.via.type, output.via.value))
        mergesVia[cause] = (mergesVia[cause] ?? 0) + 1
      }
      for (const drop of decision.outcome.dropped) {
        dropped[drop.reason] = (dropped[drop.reason] ?? 0) + 1
      }
    })
    await writer?.close()
    const elapsedMs = performance.now() - started
    const cpu = process.cpuUsage(cpuStarted)
    const lines = stats.events + stats.badLines
    return {
      ...stats,
      outputs,
      mergesVia,
      dropped,
      elapsedMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      eventsPerSecond: Math.round(lines / (elapsedMs / 1000)),
    }
  } finally {
    await writer?.close().catch(() => undefined)
  }
}

/** Every live profile as a list of identifier keys (the predicted partition). */
export async function profileKeys(store: KeyValueStore): Promise<string[][]> {
  const profiles: string[][] = []
  for await (const profile of liveProfiles(store, codec)) {
    profiles.push(profile.identifiers.map((id) => identifierKey(id.type, id.value)))
  }
  return profiles
}
