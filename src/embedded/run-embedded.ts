import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { join } from 'node:path'
import { openLines } from '../codecs/ndjson.js'
import { COMMIT_DEFAULTS } from '../config/app-config.js'
import type { IdentityConfig } from '../core/config.js'
import { createResolver, type StateRecord } from '../core/resolver.js'
import type { KeyValueStore, KeyValueWrite } from '../ports/key-value-store.js'
import type { Logger } from '../ports/logger.js'
import type { TaskMetrics } from '../runtime/metrics.js'
import { Processor, type ProcessorHealth } from '../runtime/processor.js'
import type { ProfileChangelogMode } from '../runtime/profile-changelog.js'
import { createStatePrefetcher } from '../runtime/state-prefetch.js'
import { CHANGELOG_CHECKPOINT_KEY } from '../runtime/task.js'
import type { ExportedProfile } from '../state/profiles.js'
import { liveProfiles } from '../state/profiles.js'
import { msgpackCodec } from '../state/record-codec.js'
import { WriteObservedStore, type WriteFeed, type WriteListener } from '../state/observed-store.js'
import { RocksDbStore } from '../state/rocksdb-store.js'
import { loadTopology } from '../topology/file.js'
import { defaultTopologyFile } from '../topology/package-files.js'
import { recordLimits } from '../topology/record-limits.js'
import type { TopicRole } from '../topology/roles.js'
import { EmbeddedProcessorLog } from './embedded-log.js'
import { embeddedCodec } from './json-codec.js'
import { LocalLog } from './local-log.js'

export interface EmbeddedRunOptions {
  readonly config: IdentityConfig
  /** NDJSON events appended to the local log once (a file already imported is not again). */
  readonly input: string | null
  readonly stateDir: string
  readonly logger: Logger
  readonly metrics?: TaskMetrics
  readonly commitIntervalMs?: number
  readonly maxTransactionEvents?: number
  /** One profile-changelog record per profile per commit (default) or per change. */
  readonly profileChangelog?: ProfileChangelogMode
}

/** A decoded output record of the local log, with the input offset it came from when known. */
export type LoggedOutput = Record<string, unknown> & { readonly offset: string }

export interface EmbeddedRunReport {
  readonly imported: number
  readonly inputRecords: number
  /** Input records processed by this run (0 when a previous run already did them all). */
  readonly processed: number
  readonly profiles: readonly ExportedProfile[]
  /** Outputs written by this run, per role. */
  readonly outputs: Readonly<
    Record<
      'profile-merged' | 'link-reassigned' | 'merge-refused' | 'dead-letter',
      readonly LoggedOutput[]
    >
  >
}

/** The embedded processor failed while catching up (its health says `failed`). */
export class EmbeddedProcessorFailed extends Error {
  readonly code = 'embedded-processor-failed'
  constructor() {
    super('the embedded processor failed (see its log lines)')
  }
}

const GROUP = 'embedded'
const INPUT: TopicRole = 'contact-events'
const STATE: TopicRole = 'state-changelog'
const REPORTED = ['profile-merged', 'link-reassigned', 'merge-refused', 'dead-letter'] as const

/**
 * The task's view of the service's store: everything but close, which the service does once
 * the processor has stopped. A task that fails and reopens finds the same store, as in Kafka
 * mode, where the partitions share one RocksDB (src/state/prefixed-store.ts).
 */
class SharedStore implements KeyValueStore {
  constructor(private readonly base: KeyValueStore) {}
  getMany(keys: readonly string[]): Promise<Array<Uint8Array | undefined>> {
    return this.base.getMany(keys)
  }
  write(batch: readonly KeyValueWrite[]): Promise<void> {
    return this.base.write(batch)
  }
  scan(prefix: string): AsyncIterable<readonly [string, Uint8Array]> {
    return this.base.scan(prefix)
  }
  async close(): Promise<void> {}
}

/**
 * Embedded mode as a long-lived service: the Kafka processor's PartitionTask over a local level
 * log and one RocksDB store under `stateDir`, no Kafka. `start` imports the input file once and
 * starts processing whatever the log holds beyond the committed position, and goes on
 * processing what is appended later until `stop`. `store` holds exactly the committed state
 * (the task applies a transaction's state writes to it only after the commit, in one atomic
 * batch), so a reader (the Profile API) reads it directly, each answer from one snapshot.
 * Killed midway, the next start continues from the last commit.
 */
export class EmbeddedService {
  /** Appends waiting for the next write, and whether a write is under way. */
  private queued: Array<{
    readonly lines: readonly string[]
    readonly resolve: (end: bigint) => void
    readonly reject: (err: unknown) => void
  }> = []
  private writing = false

  private constructor(
    private readonly log: LocalLog,
    private readonly processor: Processor,
    /** The committed state: read it, never write it. */
    readonly store: RocksDbStore,
    /** Input records appended by this start's import (0 when the file was imported before). */
    readonly imported: number,
    /** The input log's end when the service started: `caughtUp` waits for it. */
    readonly inputEnd: bigint,
    private readonly committedBefore: bigint,
    private readonly outputEnds: ReadonlyMap<string, bigint>,
    private readonly observed: WriteObservedStore,
  ) {}

  /**
   * Tells `listener` about every batch of committed state the task applies to `store` (the
   * API's search index follows the state so); the returned function stops it.
   */
  onStateWrite(listener: WriteListener): () => void {
    return this.observed.onWrite(listener)
  }

  /**
   * The batches of committed state the task applies to `store`, before and after each: what
   * keeps the API's cache of decoded records exact (api/committed-records.ts).
   */
  get stateWrites(): WriteFeed {
    return this.observed
  }

  static async start(options: EmbeddedRunOptions): Promise<EmbeddedService> {
    const log = await LocalLog.open(join(options.stateDir, 'log'))
    let store: RocksDbStore | null = null
    try {
      // before the import: the dead letters of its over-long lines belong to this run
      const outputEnds = new Map<string, bigint>()
      for (const role of REPORTED) outputEnds.set(role, await log.endOffset(role, 0))
      const imported = options.input === null ? 0 : await importOnce(log, options.input)
      const end = await log.endOffset(INPUT, 0)
      const committedBefore = await committed(log)
      const opened = await RocksDbStore.open(join(options.stateDir, 'store-0'))
      store = opened
      const observed = new WriteObservedStore(opened)
      const processor = new Processor({
        log: new EmbeddedProcessorLog({
          log,
          group: GROUP,
          inputTopic: INPUT,
          stateTopic: STATE,
        }),
        resolver: createResolver(options.config),
        prefetch: createStatePrefetcher(options.config),
        codec: embeddedCodec,
        openStore: async () => new SharedStore(observed),
        logger: options.logger,
        ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
        commitIntervalMs: options.commitIntervalMs ?? COMMIT_DEFAULTS.intervalMs,
        maxTransactionEvents: options.maxTransactionEvents ?? COMMIT_DEFAULTS.maxTransactionEvents,
        ...(options.profileChangelog === undefined
          ? {}
          : { profileChangelog: options.profileChangelog }),
        // the limits the same records would meet on Kafka (topics named by role here)
        maxRecordBytes: recordLimits((await loadTopology(defaultTopologyFile())).topics),
      })
      await processor.start()
      return new EmbeddedService(
        log,
        processor,
        opened,
        imported,
        end,
        committedBefore,
        outputEnds,
        observed,
      )
    } catch (err) {
      await store?.close()
      await log.close()
      throw err
    }
  }

  health(): ProcessorHealth {
    return this.processor.health()
  }

  /**
   * The committed identity-event topics (merged, reassigned, merge-refused) of the local log,
   * for the API's history index. The processor writes outputs only in committed batches, so
   * what is read here is committed.
   */
  identityEvents(): {
    read(
      topic: 'profile-merged' | 'link-reassigned' | 'merge-refused',
      from: bigint,
      max: number,
    ): Promise<ReadonlyArray<{ readonly offset: string; readonly value: Uint8Array | null }>>
  } {
    return { read: (topic, from, max) => this.log.read(topic, 0, from, max) }
  }

  /** The committed input position (the next input offset to process). */
  committedOffset(): Promise<bigint> {
    return committed(this.log)
  }

  /**
   * Resolves once the input up to `until` (default: what the log held at start) is committed and its state is in
   * `store` (the task applies it just after the commit: the store's changelog checkpoint then
   * reaches the log's state-changelog end); throws EmbeddedProcessorFailed if the processor
   * fails first.
   */
  async caughtUp(until: bigint = this.inputEnd, pollMs = 20): Promise<void> {
    while ((await committed(this.log)) < until || !(await this.storeCurrent())) {
      if (this.processor.health().status === 'failed') throw new EmbeddedProcessorFailed()
      await new Promise((r) => setTimeout(r, pollMs))
    }
  }

  /**
   * Appends NDJSON event lines to the input log (the processor picks them up as it polls);
   * resolves, once the log holds them, with the input end after them, for `caughtUp`. Appends
   * are serialised (the local log assigns offsets from its end, so two at once would collide)
   * and grouped: those that arrive while a write is under way go together in the next one, one
   * atomic batch, each append's lines contiguous (HTTP ingest's concurrent requests share a
   * write instead of queueing one write each).
   */
  append(lines: readonly string[]): Promise<bigint> {
    return new Promise((resolve, reject) => {
      this.queued.push({ lines, resolve, reject })
      if (!this.writing) void this.writeQueued()
    })
  }

  private async writeQueued(): Promise<void> {
    this.writing = true
    while (this.queued.length > 0) {
      const group = this.queued.splice(0)
      try {
        await this.log.commit(
          group.flatMap((g) =>
            g.lines.map((line) => ({
              topic: INPUT,
              partition: 0,
              key: null,
              value: Buffer.from(line, 'utf8'),
            })),
          ),
        )
        const end = await this.log.endOffset(INPUT, 0)
        for (const g of group) g.resolve(end)
      } catch (err) {
        for (const g of group) g.reject(err)
      }
    }
    this.writing = false
  }

  /** The store holds every state write the log has committed. */
  private async storeCurrent(): Promise<boolean> {
    const end = await this.log.endOffset(STATE, 0)
    if (end === 0n) return true
    const [checkpoint] = await this.store.getMany([CHANGELOG_CHECKPOINT_KEY])
    return checkpoint !== undefined && BigInt(new TextDecoder().decode(checkpoint)) >= end - 1n
  }

  /** What this start did: outputs written since it began, and every live profile now. */
  async report(): Promise<EmbeddedRunReport> {
    const outputs = {} as Record<(typeof REPORTED)[number], LoggedOutput[]>
    for (const role of REPORTED) {
      const from = this.outputEnds.get(role) ?? 0n
      const records = await this.log.read(role, 0, from, Number.MAX_SAFE_INTEGER)
      outputs[role] = records.map((r) => ({
        ...(JSON.parse((r.value ?? Buffer.from('{}')).toString('utf8')) as Record<string, unknown>),
        offset: r.offset,
      }))
    }
    const profiles: ExportedProfile[] = []
    for await (const p of liveProfiles(this.store, msgpackCodec<StateRecord>())) profiles.push(p)
    const now = await committed(this.log)
    return {
      imported: this.imported,
      inputRecords: Number(this.inputEnd),
      processed: Number((now < this.inputEnd ? now : this.inputEnd) - this.committedBefore),
      profiles,
      outputs,
    }
  }

  /** Commits what is open, then closes the processor, the store and the log. */
  async stop(): Promise<void> {
    try {
      await this.processor.stop()
    } finally {
      await this.store.close()
      await this.log.close()
    }
  }
}

/**
 * `unifier run --embedded`, and `unifier start --no-serve`: start, process everything the log
 * holds, report, stop.
 */
export async function runEmbedded(options: EmbeddedRunOptions): Promise<EmbeddedRunReport> {
  const service = await EmbeddedService.start(options)
  try {
    await service.caughtUp()
    return await service.report()
  } finally {
    await service.stop()
  }
}

async function committed(log: LocalLog): Promise<bigint> {
  return BigInt((await log.committed(GROUP, INPUT, 0)) ?? '0')
}

/** Lines appended to the local log per batch while importing a file. */
const IMPORT_BATCH_LINES = 10_000

/**
 * Appends the file's non-empty lines to the input log, streamed (never the whole file in
 * memory), the last batch with a marker of the file's content hash so the same file is not
 * imported twice. A line over the reader's cap (1 MiB) is never held: it goes straight to the
 * dead-letter topic as `line-too-long` with its line number. An import cut short appends its
 * first batches again when run again: their eventIds make them duplicates (rule 9).
 */
async function importOnce(log: LocalLog, path: string): Promise<number> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  const id = hash.digest('hex')
  if (await log.hasImport(id)) return 0
  const source = await openLines(path)
  let batch: Array<{ topic: string; partition: number; key: Buffer | null; value: Buffer }> = []
  let appended = 0
  for await (const line of source.lines) {
    if (line.kind === 'too-long') {
      batch.push(await tooLongLine(path, line.lineNumber, line.bytes, source.maxLineBytes))
    } else if (line.text.trim() !== '') {
      batch.push({ topic: INPUT, partition: 0, key: null, value: Buffer.from(line.text, 'utf8') })
      appended++
    }
    if (batch.length >= IMPORT_BATCH_LINES) {
      await log.commit(batch)
      batch = []
    }
  }
  await log.commit(batch, { importId: id })
  return appended
}

/** The dead letter of an over-long line, as the processor writes dead letters to the log. */
async function tooLongLine(path: string, lineNumber: number, bytes: number, cap: number) {
  const message = await embeddedCodec.encodeOutput(
    {
      kind: 'dead-letter',
      tenant: null,
      eventId: null,
      reason: 'line-too-long',
      detail: `line ${lineNumber} of ${path} is ${bytes} bytes; lines are read up to ${cap}`,
    },
    {
      topic: path,
      partition: 0,
      offset: String(lineNumber),
      timestamp: Date.now(),
      key: null,
      value: Buffer.alloc(0),
    },
  )
  return { topic: message.topic, partition: 0, key: message.key, value: message.value as Buffer }
}
