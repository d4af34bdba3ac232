import { DecodeError, SchemaRegistryError } from '../codecs/errors.js'
import type { EncodedMessage } from '../codecs/topic-codec.js'
import type { Resolver } from '../core/resolver.js'
import type { ContactEvent, OutputRecord } from '../core/types.js'
import type { KeyValueStore } from '../ports/key-value-store.js'
import type { Logger } from '../ports/logger.js'
import type { TopicRole } from '../topology/roles.js'
import { BatchResolver, type ResolverInput } from './batch-resolver.js'
import { InvalidInputError } from './invalid-input.js'
import { CommitGatedStore } from './commit-gated-store.js'
import { NO_METRICS, type TaskMetrics } from './metrics.js'
import { reportConflictingDuplicate } from './conflicting-duplicate.js'
import type {
  ChangelogSource,
  CommittedPosition,
  InputRecord,
  OutgoingRecord,
  PartitionTransaction,
  TransactionalSink,
} from './ports.js'
import { retrying } from './retry.js'
import type { StatePrefetcher } from './state-prefetch.js'

/** Bytes ↔ records for one log: Avro + registry on Kafka, JSON in the embedded log. */
export interface TaskCodec {
  topicName(role: TopicRole): string
  /** Throws DecodeError or InvalidInputError (dead-letter it), or a retriable error (retry). */
  decodeContactEvent(value: Buffer | null): Promise<ContactEvent>
  encodeOutput(record: OutputRecord, input: InputRecord): Promise<EncodedMessage>
}

export interface TaskOptions {
  readonly partition: number
  readonly resolver: Pick<Resolver, 'decide'>
  readonly prefetch?: StatePrefetcher
  readonly codec: TaskCodec
  /** The task's own store (one per input partition); the task closes it. */
  readonly store: KeyValueStore
  /** Already open: opening it fenced any earlier writer of this partition. */
  readonly sink: TransactionalSink
  readonly changelog: ChangelogSource
  readonly position: CommittedPosition
  readonly logger: Logger
  readonly metrics?: TaskMetrics
  /** Commit when the open transaction is this old (ms)… */
  readonly commitIntervalMs: number
  /** …or holds this many input records, whichever comes first. */
  readonly maxTransactionEvents: number
  /** Decoded state records this task keeps in memory (default: the batch resolver's). */
  readonly cacheEntries?: number
  readonly now?: () => number
  /** Called while waiting (restore, retries) so a group member is not taken for dead. */
  readonly heartbeat?: () => Promise<void>
}

type WindowItem = ResolverInput & { readonly record: InputRecord }

/** The state-changelog offset the local store contains, written with the state it belongs to. */
export const CHANGELOG_CHECKPOINT_KEY = '\u0000changelog-offset'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/**
 * One input partition, exactly once: records are decided against the task's own state,
 * their outputs and state-changelog writes go into one transaction with the input position,
 * and the local store takes the same writes (and the changelog offset they end at) only after
 * that transaction commits. Any failure makes the task unusable; the owner discards it and opens
 * a new one, which restores from the changelog and re-reads from the committed position.
 */
export class PartitionTask {
  private txn: PartitionTransaction | null = null
  private txnStartedAt = 0
  private txnEvents = 0
  private failed: unknown = null
  private closed = false
  private readonly metrics: TaskMetrics
  private readonly now: () => number

  private constructor(
    private readonly options: TaskOptions,
    private readonly gated: CommitGatedStore,
    private readonly resolver: BatchResolver,
    /** The offset of the next input record to process. */
    private next: bigint,
    private checkpoint: string | null,
  ) {
    this.metrics = options.metrics ?? NO_METRICS
    this.now = options.now ?? Date.now
  }

  get partition(): number {
    return this.options.partition
  }

  /** The next input offset this task expects (records before it are already committed). */
  get nextOffset(): string {
    return this.next.toString()
  }

  get inTransaction(): boolean {
    return this.txn !== null
  }

  get isFailed(): boolean {
    return this.failed !== null
  }

  /** Restores the store from the state changelog, then finds the committed input position. */
  static async open(options: TaskOptions): Promise<PartitionTask> {
    const { store, partition, logger } = options
    const metrics = options.metrics ?? NO_METRICS
    const [stored] = await store.getMany([CHANGELOG_CHECKPOINT_KEY])
    let checkpoint = stored === undefined ? null : decoder.decode(stored)
    const started = Date.now()
    let restored = 0
    logger.info(
      { partition, fromOffset: checkpoint === null ? 'beginning' : checkpoint },
      'restoring state',
    )
    await options.changelog.replay(checkpoint, async (records) => {
      const last = records.at(-1)
      if (last === undefined) return
      checkpoint = last.offset
      await store.write([
        ...records.map(({ key, value }) => ({ key, value })),
        { key: CHANGELOG_CHECKPOINT_KEY, value: encoder.encode(last.offset) },
      ])
      restored += records.length
      metrics.restored(partition, records.length, 0)
      if (restored % 50_000 < records.length) {
        logger.info({ partition, restored, atOffset: last.offset }, 'restore progress')
      }
      await options.heartbeat?.()
    })
    const ms = Date.now() - started
    logger.info(
      { partition, restored, ms, perSecond: ms > 0 ? Math.round((restored * 1000) / ms) : null },
      'state restored',
    )
    const committed = await options.position.committedOffset()
    const gated = new CommitGatedStore(store)
    const resolver = await PartitionTask.newResolver(options, gated)
    return new PartitionTask(options, gated, resolver, BigInt(committed ?? '0'), checkpoint)
  }

  private static newResolver(options: TaskOptions, gated: CommitGatedStore) {
    return BatchResolver.open({
      resolver: options.resolver,
      store: gated,
      // Flushing is the commit's job: the batch resolver never flushes on its own.
      flushEvery: Number.MAX_SAFE_INTEGER,
      ...(options.cacheEntries === undefined ? {} : { cacheEntries: options.cacheEntries }),
      ...(options.prefetch === undefined ? {} : { prefetch: options.prefetch }),
    })
  }

  /**
   * Decides `records` (in offset order; ones before `nextOffset` are skipped as already done)
   * and sends their outputs in the open transaction, opening one if needed.
   */
  async process(records: readonly InputRecord[]): Promise<void> {
    this.assertUsable()
    const fresh = records.filter((r) => BigInt(r.offset) >= this.next)
    if (fresh.length === 0) return
    const started = this.now()
    try {
      const txn = await this.transaction()
      const outgoing: OutgoingRecord[] = []
      let window: WindowItem[] = []
      const decideWindow = async (): Promise<void> => {
        await this.resolver.processWindow(window, async (input, decision) => {
          const { record } = input as WindowItem
          reportConflictingDuplicate(decision.outcome, this.options.logger, this.metrics)
          for (const output of decision.outputs) {
            outgoing.push(await this.encode(output, record))
          }
        })
        window = []
      }
      for (const record of fresh) {
        const event = await this.decode(record)
        if (event instanceof DecodeError || event instanceof InvalidInputError) {
          await decideWindow()
          outgoing.push(await this.encode(deadLetterFor(event), record))
          continue
        }
        window.push({ event, position: { sequence: Number(record.offset) }, record })
      }
      await decideWindow()
      if (outgoing.length > 0) await txn.send(outgoing)
      this.next = BigInt((fresh.at(-1) as InputRecord).offset) + 1n
      this.txnEvents += fresh.length
      this.metrics.events(this.partition, fresh.length)
      this.metrics.batch((this.now() - started) / 1000)
    } catch (err) {
      throw this.fail(err)
    }
  }

  /** Moves past offsets that hold no records to process (transaction markers, aborted data). */
  skipTo(offset: bigint): void {
    if (offset > this.next) this.next = offset
  }

  /** True when the open transaction is old or full enough to commit. */
  get commitDue(): boolean {
    if (this.txn === null) return false
    return (
      this.txnEvents >= this.options.maxTransactionEvents ||
      this.now() - this.txnStartedAt >= this.options.commitIntervalMs
    )
  }

  /**
   * Sends the state writes to the changelog, commits them with the outputs and the input
   * position, then applies them to the local store with the changelog offset they end at.
   */
  async commit(): Promise<void> {
    this.assertUsable()
    const txn = this.txn
    if (txn === null) return
    const started = this.now()
    try {
      const held = this.gated.nextWrite()
      const flushed = this.resolver.flush()
      const batch = await Promise.race([held, flushed.then(() => null)])
      const stateTopic = this.options.codec.topicName('state-changelog')
      const changelog: OutgoingRecord[] = (batch ?? []).map(({ key, value }) => ({
        topic: stateTopic,
        partition: this.partition,
        key: Buffer.from(key, 'utf8'),
        // A view, not a copy: the encoded state value is not written to again.
        value:
          value === null ? null : Buffer.from(value.buffer, value.byteOffset, value.byteLength),
      }))
      const written = changelog.length === 0 ? [] : await txn.send(changelog)
      await txn.commit(this.nextOffset)
      this.txn = null
      let checkpoint = this.checkpoint
      for (const w of written) {
        if (w.topic === stateTopic && w.partition === this.partition) {
          if (checkpoint === null || BigInt(w.lastOffset) > BigInt(checkpoint)) {
            checkpoint = w.lastOffset
          }
        }
      }
      this.checkpoint = checkpoint
      await this.gated.release(
        checkpoint === null
          ? []
          : [{ key: CHANGELOG_CHECKPOINT_KEY, value: encoder.encode(checkpoint) }],
      )
      await flushed
      this.metrics.commit((this.now() - started) / 1000)
      this.options.logger.debug(
        { partition: this.partition, events: this.txnEvents, nextOffset: this.nextOffset },
        'committed',
      )
      this.txnEvents = 0
    } catch (err) {
      throw this.fail(err)
    }
  }

  /**
   * Stops the task: `commit: true` commits the open transaction first (a clean shutdown),
   * otherwise it is aborted and its records will be processed again by the next owner.
   */
  async close(options: { commit: boolean }): Promise<void> {
    if (this.closed) return
    try {
      if (options.commit && this.failed === null) await this.commit()
    } catch (err) {
      this.options.logger.warn(
        { partition: this.partition, err: messageOf(err) },
        'commit at close failed; the transaction is aborted',
      )
    } finally {
      this.closed = true
      await this.abortQuietly()
      await this.options.sink.close().catch(() => undefined)
      await this.options.store.close()
    }
  }

  private async transaction(): Promise<PartitionTransaction> {
    if (this.txn !== null) return this.txn
    this.txn = await this.options.sink.begin()
    this.txnStartedAt = this.now()
    this.txnEvents = 0
    return this.txn
  }

  private async decode(
    record: InputRecord,
  ): Promise<ContactEvent | DecodeError | InvalidInputError> {
    return retrying(
      async () => {
        try {
          return await this.options.codec.decodeContactEvent(record.value)
        } catch (err) {
          if (err instanceof DecodeError || err instanceof InvalidInputError) return err
          throw err
        }
      },
      {
        retriable: (err) => err instanceof SchemaRegistryError && err.retriable,
        onRetry: async (err, attempt, delayMs) => {
          this.options.logger.warn(
            {
              partition: this.partition,
              offset: record.offset,
              attempt,
              delayMs,
              err: messageOf(err),
            },
            'schema registry unreachable; retrying',
          )
          await this.options.heartbeat?.()
        },
      },
    )
  }

  private async encode(output: OutputRecord, record: InputRecord): Promise<OutgoingRecord> {
    if (output.kind === 'dead-letter') this.metrics.deadLetters(output.reason, 1)
    this.metrics.outputs(output.kind, 1)
    const message = await retrying(() => this.options.codec.encodeOutput(output, record), {
      retriable: (err) => err instanceof SchemaRegistryError && err.retriable,
      onRetry: async (err, attempt, delayMs) => {
        this.options.logger.warn(
          { partition: this.partition, attempt, delayMs, err: messageOf(err) },
          'schema registry unreachable while encoding; retrying',
        )
        await this.options.heartbeat?.()
      },
    })
    // Every output of a tenant goes to the partition numbered like its input partition, so
    // one tenant's changelog and events stay on one partition, in input order.
    const partition = this.partition % this.options.sink.partitionsOf(message.topic)
    return { topic: message.topic, partition, key: message.key, value: message.value }
  }

  private fail(err: unknown): unknown {
    if (this.failed === null) {
      this.failed = err
      this.metrics.aborts(this.partition)
      this.gated.fail(err)
    }
    return err
  }

  private async abortQuietly(): Promise<void> {
    const txn = this.txn
    this.txn = null
    if (txn === null) return
    await txn.abort().catch(() => undefined)
  }

  private assertUsable(): void {
    if (this.closed) throw new Error(`task for partition ${this.partition} is closed`)
    if (this.failed !== null) {
      throw new Error(`task for partition ${this.partition} failed; open a new one`, {
        cause: this.failed,
      })
    }
  }
}

function deadLetterFor(err: DecodeError | InvalidInputError): OutputRecord {
  if (err instanceof InvalidInputError) {
    const { tenant, eventId, reason } = err
    return { kind: 'dead-letter', tenant, eventId, reason, detail: err.message }
  }
  return { kind: 'dead-letter', tenant: null, eventId: null, reason: err.code, detail: err.message }
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
