import { DecodeError, SchemaRegistryError } from '../codecs/errors.js'
import type { EncodedMessage } from '../codecs/topic-codec.js'
import type { Resolver } from '../core/resolver.js'
import type { ContactEvent, DeadLetterReason, OutputRecord } from '../core/types.js'
import type { KeyValueStore } from '../ports/key-value-store.js'
import type { Logger } from '../ports/logger.js'
import type { TopicRole } from '../topology/roles.js'
import { BatchResolver, isPromiseLike, type ResolverInput } from './batch-resolver.js'
import { StoreError } from '../state/store-error.js'
import { TaskFailure, type FailureCode } from './failure-policy.js'
import { InvalidInputError } from './invalid-input.js'
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
import { LatestProfiles, type ProfileChangelogMode } from './profile-changelog.js'
import { retryingAfter } from './retry.js'
import type { StatePrefetcher } from './state-prefetch.js'

/** Bytes ↔ records for one log: Avro + registry on Kafka, JSON in the embedded log. */
export interface TaskCodec {
  topicName(role: TopicRole): string
  /** The input key of a tenant's events (its bytes decide the tenant's partition). */
  tenantKey(tenant: string): Buffer | Promise<Buffer>
  /**
   * Throws (or rejects with) DecodeError or InvalidInputError (dead-letter it), or a retriable
   * error (retry). A value, not a promise, when nothing had to wait: the task's usual record.
   */
  decodeContactEvent(value: Buffer | null): ContactEvent | Promise<ContactEvent>
  /** Like decodeContactEvent: a promise only when the codec had to wait. */
  encodeOutput(record: OutputRecord, input: InputRecord): EncodedMessage | Promise<EncodedMessage>
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
  /**
   * `coalesced` (default): the profile changelog gets one record per profile per transaction,
   * its last state, written at commit; `every-change`: one per change, as decided.
   */
  readonly profileChangelog?: ProfileChangelogMode
  /** Decoded state records this task keeps in memory (default: the batch resolver's). */
  readonly cacheEntries?: number
  readonly now?: () => number
  /** Called while waiting (restore, retries) so a group member is not taken for dead. */
  readonly heartbeat?: () => Promise<void>
  /** True when a log error means another owner took over the partition (failure `fenced`). */
  readonly isFenced?: (err: unknown) => boolean
  /** True when the log refused a record of the transaction for what it is (too large). */
  readonly isRecordRejected?: (err: unknown) => boolean
  /**
   * Input offsets to dead-letter without deciding them: the failure policy's verdict on a
   * record that failed every attempt it allows (the processor keeps the count).
   */
  readonly deadLetters?: ReadonlyMap<string, ForcedDeadLetter>
  /** The largest record (key + value bytes) an output topic accepts; none: no limit. */
  readonly maxRecordBytes?: (topic: string) => number
  /** The input partition that owns a tenant's key; none: this task owns every tenant. */
  readonly ownerOf?: (key: Buffer) => number
}

/** Tenants whose owner a task remembers (plenty for real tenants; a flood just recomputes). */
const MAX_KNOWN_OWNERS = 10_000

export interface ForcedDeadLetter {
  readonly reason: DeadLetterReason
  readonly detail: string
  /** Leave the original bytes out (the log refused the dead letter that carried them). */
  readonly withoutOriginal?: boolean
  /**
   * Not even the dead letter could be written: the record is passed over with an error log
   * line, so that it cannot hold the partition (the last resort of the failure policy).
   */
  readonly drop?: boolean
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
  /** The first input offset of the open transaction. */
  private txnFrom = 0n
  /** The offset of the last input record in the open transaction (markers after it aside). */
  private txnLastRecord = -1n
  /** Tenant → owning input partition, as the log's partitioner says. */
  private readonly owners = new Map<string, number>()
  /** Tenants this task has routed (their first routing is logged). */
  private readonly routedTenants = new Set<string>()
  private failed: unknown = null
  private closed = false
  /** The open transaction's profile records, the last per profile (coalesced mode). */
  private readonly latest: LatestProfiles<InputRecord> | null
  private readonly metrics: TaskMetrics
  private readonly now: () => number

  private constructor(
    private readonly options: TaskOptions,
    private readonly resolver: BatchResolver,
    /** The offset of the next input record to process. */
    private next: bigint,
    /** The input position the last commit recorded. */
    private committedNext: bigint,
    private checkpoint: string | null,
  ) {
    this.metrics = options.metrics ?? NO_METRICS
    this.now = options.now ?? Date.now
    this.latest =
      (options.profileChangelog ?? 'coalesced') === 'coalesced' ? new LatestProfiles() : null
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
    // No flushEvery: the batch resolver only hands its writes over when the task commits.
    const resolver = await BatchResolver.open({
      resolver: options.resolver,
      store,
      ...(options.cacheEntries === undefined ? {} : { cacheEntries: options.cacheEntries }),
      ...(options.prefetch === undefined ? {} : { prefetch: options.prefetch }),
    })
    const next = BigInt(committed ?? '0')
    return new PartitionTask(options, resolver, next, next, checkpoint)
  }

  /**
   * Decides `records` (in offset order; ones before `nextOffset` are skipped as already done)
   * and sends their outputs in the open transaction, opening one if needed. A record whose
   * decode, owner, decision and encoding need no I/O (cached schemas and state: the usual
   * record) costs no promise and no closure; the async path is taken only where one waits.
   */
  async process(records: readonly InputRecord[]): Promise<void> {
    this.assertUsable()
    const from = firstFresh(records, this.next)
    if (from === records.length) return
    const count = records.length - from
    const started = this.now()
    try {
      const txn = await this.transaction()
      const outgoing: OutgoingRecord[] = []
      let window: WindowItem[] = []
      for (let i = from; i < records.length; i++) {
        const record = records[i] as InputRecord
        const forced = this.options.deadLetters?.get(record.offset)
        if (forced !== undefined) {
          await this.decideWindow(window, outgoing)
          window = []
          await this.forceDeadLetter(record, forced, outgoing)
          continue
        }
        let event: ContactEvent | DecodeError | InvalidInputError
        let owner: number
        try {
          const decoding = this.decode(record)
          event = decoding instanceof Promise ? await decoding : decoding
          if (event instanceof DecodeError || event instanceof InvalidInputError) {
            await this.decideWindow(window, outgoing)
            window = []
            const encoding = this.encode(deadLetterFor(event), record)
            outgoing.push(encoding instanceof Promise ? await encoding : encoding)
            continue
          }
          const owning = this.ownerOf(event.tenant)
          owner = owning instanceof Promise ? await owning : owning
        } catch (err) {
          throw attributed(err, record)
        }
        if (owner !== this.partition) {
          // Another partition's task owns this tenant (the producer used another partitioner):
          // the record goes there, in this transaction, in input order; it is resolved there.
          outgoing.push(this.routed(record, owner, event.tenant))
          continue
        }
        window.push({ event, position: { sequence: Number(record.offset) }, record })
      }
      await this.decideWindow(window, outgoing)
      // the transaction holds these records now, sent or not (a failed send fails the task)
      this.next = BigInt((records.at(-1) as InputRecord).offset) + 1n
      this.txnLastRecord = this.next - 1n
      this.txnEvents += count
      if (outgoing.length > 0) await this.onLog(() => txn.send(outgoing))
      this.metrics.events(this.partition, count)
      this.metrics.batch((this.now() - started) / 1000)
    } catch (err) {
      throw this.fail(err)
    }
  }

  /** Moves past offsets that hold no records to process (transaction markers, aborted data). */
  skipTo(offset: bigint): void {
    if (offset > this.next) this.next = offset
  }

  /**
   * True when the open transaction is old or full enough to commit, or when the position moved
   * past offsets with nothing to process (markers) and only the position needs committing.
   */
  get commitDue(): boolean {
    if (this.txn === null) return this.next > this.committedNext
    return (
      this.txnEvents >= this.options.maxTransactionEvents ||
      this.now() - this.txnStartedAt >= this.options.commitIntervalMs
    )
  }

  /**
   * Sends the held profile records and the state writes to their changelogs, commits them with
   * the outputs and the input position, then applies the writes to the local store with the
   * changelog offset they end at. Coalescing happens inside the transaction: a crash before the
   * commit loses the held records together with everything else the transaction held.
   */
  async commit(): Promise<void> {
    this.assertUsable()
    if (this.txn === null && this.next === this.committedNext) return
    const started = this.now()
    try {
      const txn = await this.transaction()
      const profiles = await this.encodeHeldProfiles()
      const sealed = this.resolver.seal()
      const stateTopic = this.options.codec.topicName('state-changelog')
      const changelog: OutgoingRecord[] = sealed.writes.map(({ key, bytes }) => ({
        topic: stateTopic,
        partition: this.partition,
        key: Buffer.from(key, 'utf8'),
        // A view, not a copy: the encoded state value is not written to again.
        value:
          bytes === null ? null : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      }))
      if (profiles.length > 0) changelog.unshift(...profiles)
      const written = changelog.length === 0 ? [] : await this.onLog(() => txn.send(changelog))
      await this.onLog(() => txn.commit(this.nextOffset))
      this.txn = null
      this.committedNext = this.next
      for (const w of written) {
        if (w.topic !== stateTopic || w.partition !== this.partition) continue
        if (this.checkpoint === null || BigInt(w.lastOffset) > BigInt(this.checkpoint)) {
          this.checkpoint = w.lastOffset
        }
      }
      // Only now, with the transaction committed, does the local store take the writes, with
      // the changelog offset they end at: it is never ahead of what Kafka holds.
      await sealed.persist(
        this.checkpoint === null
          ? []
          : [{ key: CHANGELOG_CHECKPOINT_KEY, value: encoder.encode(this.checkpoint) }],
      )
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

  /** The last profile record of each profile the transaction changed, encoded. */
  private async encodeHeldProfiles(): Promise<OutgoingRecord[]> {
    const held = this.latest?.take() ?? []
    const encoded: OutgoingRecord[] = []
    for (const { output, cause } of held) {
      // attributed to the input record of the profile's last change (output-too-large)
      try {
        const encoding = this.encode(output, cause)
        encoded.push(encoding instanceof Promise ? await encoding : encoding)
      } catch (err) {
        throw attributed(err, cause)
      }
    }
    return encoded
  }

  private async transaction(): Promise<PartitionTransaction> {
    if (this.txn !== null) return this.txn
    this.txn = await this.onLog(() => this.options.sink.begin())
    this.txnStartedAt = this.now()
    this.txnEvents = 0
    this.txnFrom = this.next
    this.txnLastRecord = -1n
    return this.txn
  }

  /**
   * Decides a window of events (the state they read prefetched first) and encodes their
   * outputs; one promise per window, and one per event only when its reads or encoding wait.
   * An error is the failure of the record being decided.
   */
  private async decideWindow(window: WindowItem[], outgoing: OutgoingRecord[]): Promise<void> {
    if (window.length === 0) return
    let decided = 0
    try {
      await this.resolver.readAhead(window)
      for (; decided < window.length; decided++) {
        const { event, position, record } = window[decided] as WindowItem
        const deciding = this.resolver.process(event, position)
        const decision = deciding instanceof Promise ? await deciding : deciding
        reportConflictingDuplicate(decision.outcome, this.options.logger, this.metrics)
        for (const output of decision.outputs) {
          if (this.latest?.hold(output, record) === true) continue
          const encoding = this.encode(output, record)
          outgoing.push(encoding instanceof Promise ? await encoding : encoding)
        }
      }
    } catch (err) {
      throw attributed(err, window[decided]?.record ?? null)
    }
  }

  /** The failure policy's dead letter for a record that failed every attempt (or nothing: drop). */
  private async forceDeadLetter(
    record: InputRecord,
    forced: ForcedDeadLetter,
    outgoing: OutgoingRecord[],
  ): Promise<void> {
    // Decoded again only to name the tenant and event in the dead letter, if it can be.
    let event: ContactEvent | null
    try {
      event = await this.options.codec.decodeContactEvent(record.value)
    } catch {
      event = null
    }
    const carried = forced.withoutOriginal === true ? { ...record, value: Buffer.alloc(0) } : record
    if (forced.drop === true) return
    try {
      outgoing.push(await this.encode(forcedDeadLetter(forced, record, event), carried))
    } catch (err) {
      throw attributed(err, record)
    }
  }

  /**
   * The record's event, or the DecodeError / InvalidInputError that dead-letters it; a
   * promise only when the codec had to wait (a schema to fetch, a registry to retry).
   */
  private decode(
    record: InputRecord,
  ):
    | ContactEvent
    | DecodeError
    | InvalidInputError
    | Promise<ContactEvent | DecodeError | InvalidInputError> {
    let decoding: ContactEvent | Promise<ContactEvent>
    try {
      decoding = this.options.codec.decodeContactEvent(record.value)
    } catch (err) {
      return this.decodeFailed(err, record)
    }
    if (!isPromiseLike(decoding)) return decoding
    return Promise.resolve(decoding).then(undefined, (err: unknown) =>
      this.decodeFailed(err, record),
    )
  }

  /** A failed first decode: a dead letter's error, or retried (the registry unreachable). */
  private decodeFailed(
    err: unknown,
    record: InputRecord,
  ): DecodeError | InvalidInputError | Promise<ContactEvent | DecodeError | InvalidInputError> {
    if (err instanceof DecodeError || err instanceof InvalidInputError) return err
    return retryingAfter(
      err,
      async () => {
        try {
          return await this.options.codec.decodeContactEvent(record.value)
        } catch (failure) {
          if (failure instanceof DecodeError || failure instanceof InvalidInputError) return failure
          throw failure
        }
      },
      {
        retriable: registryUnreachable,
        onRetry: async (failure, attempt, delayMs) => {
          this.options.logger.warn(
            {
              partition: this.partition,
              offset: record.offset,
              attempt,
              delayMs,
              err: messageOf(failure),
            },
            'schema registry unreachable; retrying',
          )
          await this.options.heartbeat?.()
        },
      },
    )
  }

  /** The output as a record of its topic; a promise only when the codec had to wait. */
  private encode(
    output: OutputRecord,
    record: InputRecord,
  ): OutgoingRecord | Promise<OutgoingRecord> {
    if (output.kind === 'dead-letter') this.metrics.deadLetters(output.reason, 1)
    this.metrics.outputs(output.kind, 1)
    let encoding: EncodedMessage | Promise<EncodedMessage>
    try {
      encoding = this.options.codec.encodeOutput(output, record)
    } catch (err) {
      return this.encodeFailed(err, output, record).then((m) => this.addressed(m, output, record))
    }
    if (!isPromiseLike(encoding)) return this.addressed(encoding, output, record)
    return Promise.resolve(encoding).then(
      (m) => this.addressed(m, output, record),
      (err: unknown) =>
        this.encodeFailed(err, output, record).then((m) => this.addressed(m, output, record)),
    )
  }

  /** A failed first encoding, retried while the registry is unreachable. */
  private encodeFailed(
    err: unknown,
    output: OutputRecord,
    record: InputRecord,
  ): Promise<EncodedMessage> {
    return retryingAfter(err, async () => this.options.codec.encodeOutput(output, record), {
      retriable: registryUnreachable,
      onRetry: async (failure, attempt, delayMs) => {
        this.options.logger.warn(
          { partition: this.partition, attempt, delayMs, err: messageOf(failure) },
          'schema registry unreachable while encoding; retrying',
        )
        await this.options.heartbeat?.()
      },
    })
  }

  /** An encoded output checked against its topic's record limit, on its partition. */
  private addressed(
    message: EncodedMessage,
    output: OutputRecord,
    record: InputRecord,
  ): OutgoingRecord | Promise<OutgoingRecord> {
    const limit = this.options.maxRecordBytes?.(message.topic) ?? Number.POSITIVE_INFINITY
    const size = (message.key?.length ?? 0) + (message.value?.length ?? 0)
    if (size > limit) {
      const detail = `its ${output.kind} output is ${size} bytes; topic ${message.topic} accepts ${limit}`
      // A dead letter always fits: what does not is the original bytes, cut to make room.
      if (output.kind === 'dead-letter' && record.value !== null && record.value.length > 0) {
        const keep = Math.max(0, record.value.length - (size - limit) - 1024)
        const cut = { ...record, value: record.value.subarray(0, keep) }
        const note = `${output.detail} (original value cut to ${keep} of ${record.value.length} bytes to fit the topic)`
        return this.encode({ ...output, detail: note }, cut)
      }
      throw new TaskFailure('output-too-large', record.offset, new Error(detail), detail)
    }
    // Every output of a tenant goes to the partition numbered like its input partition, so
    // one tenant's changelog and events stay on one partition, in input order.
    const partition = this.partition % this.options.sink.partitionsOf(message.topic)
    return { topic: message.topic, partition, key: message.key, value: message.value }
  }

  /**
   * Runs a call to the log (begin, send, commit); its errors are `fenced`, `broker-error`, or,
   * when the log refused a record, `output-too-large` of the transaction's one input record
   * (or of its whole range, which the processor then narrows down).
   */
  private async onLog<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call()
    } catch (err) {
      if (this.options.isFenced?.(err) === true) throw new TaskFailure('fenced', null, err)
      if (this.options.isRecordRejected?.(err) !== true) {
        throw new TaskFailure('broker-error', null, err)
      }
      // the last record's offset, not next - 1: the position may have moved past markers since
      const last = this.txnLastRecord.toString()
      const single = this.txnEvents === 1
      const message = `output-too-large: the log refused a record of input offsets ${this.txnFrom}..${last}: ${messageOf(err)}`
      throw new TaskFailure('output-too-large', single ? last : null, err, message, last)
    }
  }

  /**
   * The input partition whose task owns `tenant` (this one when the log does not say); a
   * promise only for a tenant not met yet (its key is encoded to ask the partitioner).
   */
  private ownerOf(tenant: string): number | Promise<number> {
    const ownerOf = this.options.ownerOf
    if (ownerOf === undefined || typeof tenant !== 'string') return this.partition
    const owner = this.owners.get(tenant)
    if (owner !== undefined) return owner
    return Promise.resolve(this.options.codec.tenantKey(tenant)).then((key) => {
      const found = ownerOf(key)
      if (this.owners.size >= MAX_KNOWN_OWNERS) this.owners.clear()
      this.owners.set(tenant, found)
      return found
    })
  }

  /** The record as it came, addressed to the input partition that owns its tenant. */
  private routed(record: InputRecord, owner: number, tenant: string): OutgoingRecord {
    this.metrics.routed(this.partition, owner)
    if (!this.routedTenants.has(tenant) && this.routedTenants.size < MAX_KNOWN_OWNERS) {
      this.routedTenants.add(tenant)
      this.options.logger.warn(
        { partition: this.partition, owner, tenant },
        "a tenant's events arrive on a partition that does not own it: routing them to the owner (the producer's partitioner is not the default murmur2; see docs/producing.md)",
      )
    }
    return {
      topic: this.options.codec.topicName('contact-events'),
      partition: owner,
      key: record.key,
      value: record.value,
    }
  }

  /** Marks the task unusable and returns the failure with its code (the processor's input). */
  private fail(err: unknown): TaskFailure {
    const failure = attributed(err, null)
    if (this.failed === null) {
      this.failed = failure
      this.metrics.aborts(this.partition, failure.code)
    }
    return failure
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

/** The index of the first record at or after `next` (records come in offset order). */
function firstFresh(records: readonly InputRecord[], next: bigint): number {
  let i = 0
  while (i < records.length && BigInt((records[i] as InputRecord).offset) < next) i++
  return i
}

/** What the task retries: the schema registry not answering (never a bad record). */
function registryUnreachable(err: unknown): boolean {
  return err instanceof SchemaRegistryError && err.retriable
}

/**
 * The failure code of an error thrown while deciding or encoding `record` (null: not tied to a
 * record): the store's own errors and coded failures keep theirs; anything else thrown on a
 * record is the resolver or the encoding failing on it.
 */
function attributed(err: unknown, record: InputRecord | null): TaskFailure {
  if (err instanceof TaskFailure) return err
  if (err instanceof StoreError) return new TaskFailure('store-error', null, err)
  const code: FailureCode = record === null ? 'unexpected' : 'processing-failed'
  return new TaskFailure(code, record?.offset ?? null, err)
}

function forcedDeadLetter(
  { reason, detail, withoutOriginal }: ForcedDeadLetter,
  record: InputRecord,
  event: ContactEvent | null,
): OutputRecord {
  const left = withoutOriginal === true ? '; original bytes left out: the log refused them' : ''
  return {
    kind: 'dead-letter',
    tenant: typeof event?.tenant === 'string' ? event.tenant : null,
    eventId: typeof event?.eventId === 'string' ? event.eventId : null,
    reason,
    detail: `${detail} (input offset ${record.offset}${left})`,
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
