import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { IdentityConfig } from '../core/config.js'
import type { StateRecord } from '../core/resolver.js'
import type { ContactEvent, OutputRecord } from '../core/types.js'
import type { KeyValueStore } from '../ports/key-value-store.js'
import type { ResolveStats } from '../runtime/batch-resolver.js'
import { MemoryStore } from '../state/memory-store.js'
import { msgpackCodec } from '../state/record-codec.js'
import { RocksDbStore } from '../state/rocksdb-store.js'
import { NdjsonWriter, openLines } from './ndjson.js'
import { resolveNdjson } from './ndjson-resolution.js'
import { liveProfiles } from './profiles.js'
import { Progress } from './progress.js'

export interface ResolveRunOptions {
  readonly config: IdentityConfig
  /** A file path, or '-' for stdin. */
  readonly input: string
  readonly outputDir: string
  /** RocksDB directory kept between runs; null: a temporary one, removed at the end. */
  readonly stateDir: string | null
  /** 'memory' keeps state in this process only (tests, quick looks). */
  readonly store?: 'rocksdb' | 'memory'
  readonly flushEvery?: number
  readonly cacheEntries?: number
  /** Where the progress bar goes (drawn only on a TTY). */
  readonly progressStream?: NodeJS.WriteStream
}

export interface ResolveSummary extends ResolveStats {
  /** Lines that never reached the resolver (not JSON, or not a ContactEvent). */
  readonly badLines: number
  readonly profiles: number
  readonly elapsedMs: number
  readonly eventsPerSecond: number
}

/** The files `unifier resolve` writes, one per output kind (docs/cli.md). */
export const OUTPUT_FILES = {
  profiles: 'profiles.ndjson',
  changelog: 'changelog.ndjson',
  merges: 'merges.ndjson',
  reassignments: 'reassignments.ndjson',
  deletions: 'deletions.ndjson',
  refused: 'refused.ndjson',
  deadLetter: 'dead-letter.ndjson',
} as const

type OutputWriters = Record<keyof typeof OUTPUT_FILES, NdjsonWriter>

/** Runs NDJSON events through the resolver into NDJSON output files. Bad lines never stop it. */
export async function runResolve(options: ResolveRunOptions): Promise<ResolveSummary> {
  const started = process.hrtime.bigint()
  const source = await openLines(options.input)
  await mkdir(options.outputDir, { recursive: true })
  const temporaryState =
    options.store === 'memory' || options.stateDir !== null
      ? null
      : await mkdtemp(join(tmpdir(), 'unifier-state-'))
  const removeTemporaryState = async () => {
    if (temporaryState !== null) await rm(temporaryState, { recursive: true, force: true })
  }
  const store: KeyValueStore =
    options.store === 'memory'
      ? new MemoryStore()
      : await RocksDbStore.open((options.stateDir ?? temporaryState) as string).catch(
          async (err: unknown) => {
            await removeTemporaryState()
            throw err
          },
        )
  const writers = Object.fromEntries(
    Object.entries(OUTPUT_FILES).map(([name, file]) => [
      name,
      new NdjsonWriter(join(options.outputDir, file)),
    ]),
  ) as OutputWriters
  const closeAll = async () => {
    const closed = await Promise.allSettled(Object.values(writers).map((writer) => writer.close()))
    await store.close()
    await removeTemporaryState()
    const failed = closed.find((result) => result.status === 'rejected')
    if (failed !== undefined) throw failed.reason
  }
  let summary: ResolveSummary
  try {
    const codec = msgpackCodec<StateRecord>()
    const stats = await resolveNdjson({
      config: options.config,
      source,
      store,
      codec,
      // One or two store round trips per window instead of two or three per event (RocksDB).
      prefetch: options.store !== 'memory',
      ...(options.flushEvery === undefined ? {} : { flushEvery: options.flushEvery }),
      ...(options.cacheEntries === undefined ? {} : { cacheEntries: options.cacheEntries }),
      progress: new Progress('resolving', options.progressStream ?? process.stderr),
      onOutput: (line, event, output) => writeOutput(writers, line, event, output),
      onBadLine: (bad) => writers.deadLetter.write(bad),
    })
    const badLines = stats.badLines

    let profiles = 0
    for await (const profile of liveProfiles(store, codec)) {
      profiles++
      await writers.profiles.write(profile)
    }
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6
    const events = stats.events + badLines
    summary = {
      ...stats,
      events,
      deadLetters: stats.deadLetters + badLines,
      badLines,
      profiles,
      elapsedMs,
      eventsPerSecond: Math.round(events / Math.max(elapsedMs / 1000, 1e-6)),
    }
  } catch (err) {
    // The first failure is the one to report; closing may fail for the same cause.
    await closeAll().catch(() => undefined)
    throw err
  }
  await closeAll()
  return summary
}

/** One output record to its file, with the input line and event that caused it. */
async function writeOutput(
  writers: OutputWriters,
  line: number,
  event: ContactEvent,
  output: OutputRecord,
) {
  const { kind: _kind, ...record } = output
  switch (output.kind) {
    case 'profile':
      return writers.changelog.write({ line, eventId: event.eventId, ...record })
    case 'merged':
      return writers.merges.write({ line, ...record })
    case 'reassigned':
      return writers.reassignments.write({ line, ...record })
    case 'deleted':
      return writers.deletions.write({ line, ...record })
    case 'merge-refused':
      return writers.refused.write({ line, ...record })
    case 'dead-letter':
      return writers.deadLetter.write({
        line,
        eventId: output.eventId,
        tenant: output.tenant,
        reason: output.reason,
        detail: output.detail,
      })
  }
}

/** The end-of-run report on stderr: what a person checks first. */
export function formatSummary(summary: ResolveSummary, outputDir: string): string {
  const seconds = (summary.elapsedMs / 1000).toFixed(2)
  return [
    `resolved ${summary.events} events in ${seconds} s (${summary.eventsPerSecond} events/s)`,
    `  applied ${summary.applied}, duplicates ${summary.duplicates}${conflicting(summary)}, dead letters ${summary.deadLetters}`,
    `  profiles ${summary.profiles}, merges ${summary.merges}, reassignments ${summary.reassignments}, refusals ${summary.refusals}, deletions ${summary.deletions}`,
    `  output in ${outputDir}`,
  ].join('\n')
}

/** Said only when there are some: an eventId repeated with other content (a producer bug). */
function conflicting(summary: ResolveSummary): string {
  const n = summary.conflictingDuplicates
  return n === 0 ? '' : ` (${n} with other content than the first)`
}
