import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { OUTPUT_KINDS, outputKindOf } from '../codecs/output-kinds.js'
import type { IdentityConfig } from '../core/config.js'
import type { StateRecord } from '../core/resolver.js'
import type { ContactEvent, OutputRecord } from '../core/types.js'
import type { KeyValueStore } from '../ports/key-value-store.js'
import type { ResolveStats } from '../runtime/batch-resolver.js'
import type { ProfileChangelogMode } from '../runtime/profile-changelog.js'
import { MemoryStore } from '../state/memory-store.js'
import { msgpackCodec } from '../state/record-codec.js'
import { RocksDbStore } from '../state/rocksdb-store.js'
import { NdjsonWriter, openLines } from '../codecs/ndjson.js'
import { resolveNdjson } from './ndjson-resolution.js'
import { liveProfiles } from '../state/profiles.js'
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
  /** changelog.ndjson: one line per profile per window (default) or per change. */
  readonly profileChangelog?: ProfileChangelogMode
  /** Longest input line read, in bytes; longer lines are dead-lettered `line-too-long`. */
  readonly maxLineBytes?: number
  /** Where the progress bar goes (drawn only on a TTY). */
  readonly progressStream?: NodeJS.WriteStream
}

export interface ResolveSummary extends ResolveStats {
  /** Lines that never reached the resolver (too long, not JSON, or not a ContactEvent). */
  readonly badLines: number
  readonly profiles: number
  readonly elapsedMs: number
  readonly eventsPerSecond: number
}

/**
 * The files `unifier resolve` writes (docs/cli.md): the live profiles at the end, and one file
 * per output kind, named in src/codecs/output-kinds.ts (the names here are for readers).
 */
export const OUTPUT_FILES = {
  profiles: 'profiles.ndjson',
  changelog: OUTPUT_KINDS.profile.file,
  merges: OUTPUT_KINDS.merged.file,
  reassignments: OUTPUT_KINDS.reassigned.file,
  deletions: OUTPUT_KINDS.deleted.file,
  refused: OUTPUT_KINDS['merge-refused'].file,
  deadLetter: OUTPUT_KINDS['dead-letter'].file,
} as const

/** A writer per file name. */
type OutputWriters = ReadonlyMap<string, NdjsonWriter>

function writerFor(writers: OutputWriters, file: string): NdjsonWriter {
  const writer = writers.get(file)
  if (writer === undefined) throw new Error(`no writer for ${file}`)
  return writer
}

/** Runs NDJSON events through the resolver into NDJSON output files. Bad lines never stop it. */
export async function runResolve(options: ResolveRunOptions): Promise<ResolveSummary> {
  const started = process.hrtime.bigint()
  const source = await openLines(
    options.input,
    options.maxLineBytes === undefined ? {} : { maxLineBytes: options.maxLineBytes },
  )
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
  const files = new Set<string>([OUTPUT_FILES.profiles])
  for (const row of Object.values(OUTPUT_KINDS)) files.add(row.file)
  const writers: OutputWriters = new Map(
    [...files].map((file) => [file, new NdjsonWriter(join(options.outputDir, file))]),
  )
  const closeAll = async () => {
    const closed = await Promise.allSettled([...writers.values()].map((writer) => writer.close()))
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
      ...(options.profileChangelog === undefined
        ? {}
        : { profileChangelog: options.profileChangelog }),
      progress: new Progress('resolving', options.progressStream ?? process.stderr),
      onOutput: (line, event, output) => writeOutput(writers, line, event, output),
      onBadLine: (bad) => writerFor(writers, OUTPUT_FILES.deadLetter).write(bad),
    })
    const badLines = stats.badLines

    let profiles = 0
    for await (const profile of liveProfiles(store, codec)) {
      profiles++
      await writerFor(writers, OUTPUT_FILES.profiles).write(profile)
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
function writeOutput(
  writers: OutputWriters,
  line: number,
  event: ContactEvent,
  output: OutputRecord,
): Promise<void> | undefined {
  const row = outputKindOf(output)
  return writerFor(writers, row.file).write(row.line(output, line, event))
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
