import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { COMMIT_DEFAULTS } from '../config/app-config.js'
import type { IdentityConfig } from '../core/config.js'
import { createResolver, type StateRecord } from '../core/resolver.js'
import type { ExportedProfile } from '../state/profiles.js'
import { liveProfiles } from '../state/profiles.js'
import type { Logger } from '../ports/logger.js'
import { Processor } from '../runtime/processor.js'
import { createStatePrefetcher } from '../runtime/state-prefetch.js'
import { msgpackCodec } from '../state/record-codec.js'
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
  readonly commitIntervalMs?: number
  readonly maxTransactionEvents?: number
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

const GROUP = 'embedded'
const INPUT: TopicRole = 'contact-events'
const REPORTED = ['profile-merged', 'link-reassigned', 'merge-refused', 'dead-letter'] as const

/**
 * Embedded mode: the Kafka processor's PartitionTask over a local level log and RocksDB under
 * `stateDir`, no Kafka. Imports the input file once, processes whatever the log holds beyond
 * the committed position, stops cleanly and reports. Killed midway, the next run continues
 * from the last commit; its outputs and state were written atomically with that position.
 */
export async function runEmbedded(options: EmbeddedRunOptions): Promise<EmbeddedRunReport> {
  const log = await LocalLog.open(join(options.stateDir, 'log'))
  try {
    const imported = options.input === null ? 0 : await importOnce(log, options.input)
    const end = await log.endOffset(INPUT, 0)
    const committedBefore = BigInt((await log.committed(GROUP, INPUT, 0)) ?? '0')
    const outputEnds = new Map<string, bigint>()
    for (const role of REPORTED) outputEnds.set(role, await log.endOffset(role, 0))

    const processor = new Processor({
      log: new EmbeddedProcessorLog({
        log,
        group: GROUP,
        inputTopic: INPUT,
        stateTopic: 'state-changelog',
      }),
      resolver: createResolver(options.config),
      prefetch: createStatePrefetcher(options.config),
      codec: embeddedCodec,
      openStore: (partition) => RocksDbStore.open(join(options.stateDir, `store-${partition}`)),
      logger: options.logger,
      commitIntervalMs: options.commitIntervalMs ?? COMMIT_DEFAULTS.intervalMs,
      maxTransactionEvents: options.maxTransactionEvents ?? COMMIT_DEFAULTS.maxTransactionEvents,
      // the limits the same records would meet on Kafka (topics named by role here)
      maxRecordBytes: recordLimits((await loadTopology(defaultTopologyFile())).topics),
    })
    await processor.start()
    try {
      while (BigInt((await log.committed(GROUP, INPUT, 0)) ?? '0') < end) {
        if (processor.health().status === 'failed') throw new Error('the processor failed')
        await new Promise((r) => setTimeout(r, 20))
      }
    } finally {
      await processor.stop()
    }

    const outputs = {} as Record<(typeof REPORTED)[number], LoggedOutput[]>
    for (const role of REPORTED) {
      const from = outputEnds.get(role) ?? 0n
      const records = await log.read(role, 0, from, Number.MAX_SAFE_INTEGER)
      outputs[role] = records.map((r) => ({
        ...(JSON.parse((r.value ?? Buffer.from('{}')).toString('utf8')) as Record<string, unknown>),
        offset: r.offset,
      }))
    }
    const store = await RocksDbStore.open(join(options.stateDir, 'store-0'))
    const profiles: ExportedProfile[] = []
    try {
      for await (const p of liveProfiles(store, msgpackCodec<StateRecord>())) profiles.push(p)
    } finally {
      await store.close()
    }
    return {
      imported,
      inputRecords: Number(end),
      processed: Number(end - committedBefore),
      profiles,
      outputs,
    }
  } finally {
    await log.close()
  }
}

/** Appends the file's non-empty lines in one batch with a marker of its content hash. */
async function importOnce(log: LocalLog, path: string): Promise<number> {
  const content = await readFile(path)
  const id = createHash('sha256').update(content).digest('hex')
  if (await log.hasImport(id)) return 0
  const lines = content
    .toString('utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
  await log.commit(
    lines.map((line) => ({
      topic: INPUT,
      partition: 0,
      key: null,
      value: Buffer.from(line, 'utf8'),
    })),
    { importId: id },
  )
  return lines.length
}
