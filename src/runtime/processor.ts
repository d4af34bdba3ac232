import type { Resolver } from '../core/resolver.js'
import type { KeyValueStore } from '../ports/key-value-store.js'
import type { Logger } from '../ports/logger.js'
import { NO_METRICS, type TaskMetrics } from './metrics.js'
import type { FetchedBatch, ProcessorLog } from './ports.js'
import {
  failurePolicy,
  restartDelayMs,
  TaskFailure,
  type FailureAction,
  type FailureCode,
} from './failure-policy.js'
import type { ProfileChangelogMode } from './profile-changelog.js'
import { retrying } from './retry.js'
import type { StatePrefetcher } from './state-prefetch.js'
import { messageOf, PartitionTask, type ForcedDeadLetter, type TaskCodec } from './task.js'

export interface ProcessorOptions {
  readonly log: ProcessorLog
  readonly resolver: Pick<Resolver, 'decide'>
  readonly prefetch?: StatePrefetcher
  readonly codec: TaskCodec
  /** The partition's own store, opened for a new task and closed by it. */
  readonly openStore: (partition: number) => Promise<KeyValueStore>
  /** Called once every task is closed at stop (e.g. to close a store the partitions share). */
  readonly closeStores?: () => Promise<void>
  readonly logger: Logger
  readonly metrics?: TaskMetrics
  readonly commitIntervalMs: number
  readonly maxTransactionEvents: number
  /** The profile changelog: one record per profile per commit (default) or per change. */
  readonly profileChangelog?: ProfileChangelogMode
  /** Decoded records each partition task caches (default: the batch resolver's). */
  readonly cacheEntriesPerTask?: number
  /** Attempts at one input record before it is dead-lettered `processing-failed` (default 3). */
  readonly maxAttempts?: number
  /** The largest record (key + value bytes) an output topic accepts; none: no limit. */
  readonly maxRecordBytes?: (topic: string) => number
  readonly sleep?: (ms: number) => Promise<void>
}

/** Everything known about one assigned input partition. */
interface Slot {
  task: PartitionTask | null
  /** Work on one partition runs one step at a time, in order. */
  chain: Promise<void>
  /** After a seek: only a batch fetched from this offset is current. */
  awaitingSeek: string | null
  /** Fenced in this generation: another member writes the partition until the next rebalance. */
  fencedGeneration: number | null
  commitQueued: boolean
  restoring: boolean
  /** Failures since the last commit that went through: sets the backoff of the next restart. */
  restarts: number
  /** The record the last failures were tied to, and how many times it failed. */
  failing: { readonly offset: string; attempts: number } | null
  /** Records to dead-letter instead of deciding (they failed every attempt the policy allows). */
  readonly deadLetters: Map<string, ForcedDeadLetter>
  /**
   * Up to this input offset, one record per transaction: a transaction the log refused is
   * redone record by record until the refusal names a single record.
   */
  narrowThrough: bigint | null
}

export interface PartitionHealth {
  readonly partition: number
  readonly state: 'restoring' | 'running' | 'waiting'
  readonly nextOffset: string | null
  readonly inTransaction: boolean
}

export interface ProcessorHealth {
  readonly status: 'starting' | 'running' | 'stopping' | 'stopped' | 'failed'
  readonly generation: number
  readonly partitions: readonly PartitionHealth[]
}

const TICK_MS = 25
const SLICE_RECORDS = 500

/**
 * Runs one PartitionTask per assigned input partition over any ProcessorLog (a Kafka consumer
 * group, or the embedded log). It opens a task when a partition is assigned (fencing the
 * previous writer, restoring state, seeking to the committed offset), feeds it batches,
 * commits it on its interval, and on any task failure discards it and opens a new one, which
 * re-processes from the last committed offset.
 */
export class Processor {
  private readonly slots = new Map<number, Slot>()
  private assigned = new Set<number>()
  private generation = 0
  private ticker: NodeJS.Timeout | null = null
  private status: ProcessorHealth['status'] = 'starting'
  private readonly metrics: TaskMetrics
  private readonly policy: Readonly<Record<FailureCode, FailureAction>>

  constructor(private readonly options: ProcessorOptions) {
    this.metrics = options.metrics ?? NO_METRICS
    this.policy = failurePolicy(
      options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts },
    )
  }

  async start(): Promise<void> {
    await this.options.log.start({
      onAssignment: (partitions, generation) => this.onAssignment(partitions, generation),
      onBatch: (batch, heartbeat) => this.onBatch(batch, heartbeat),
      onSkipped: (partition, first, last) => this.onSkipped(partition, first, last),
    })
    this.ticker = setInterval(() => this.tick(), TICK_MS)
    this.status = 'running'
  }

  health(): ProcessorHealth {
    const status = this.status === 'running' && !this.options.log.isRunning ? 'failed' : this.status
    return {
      status,
      generation: this.generation,
      partitions: [...this.assigned]
        .sort((a, b) => a - b)
        .map((partition) => {
          const slot = this.slots.get(partition)
          const task = slot?.task ?? null
          return {
            partition,
            state: slot?.restoring === true ? 'restoring' : task === null ? 'waiting' : 'running',
            nextOffset: task?.nextOffset ?? null,
            inTransaction: task?.inTransaction ?? false,
          }
        }),
    }
  }

  /**
   * A clean stop: no more input, every open transaction committed (or aborted if that fails),
   * stores closed with their checkpoints, then the group is left.
   */
  async stop(): Promise<void> {
    if (this.status === 'stopping' || this.status === 'stopped') return
    this.status = 'stopping'
    if (this.ticker !== null) clearInterval(this.ticker)
    this.options.log.pause()
    await Promise.all(
      [...this.slots.keys()].map((partition) =>
        this.enqueue(partition, async (slot) => {
          const task = slot.task
          slot.task = null
          await task?.close({ commit: true })
        }),
      ),
    )
    await this.options.closeStores?.()
    await this.options.log.stop()
    await this.options.log.close()
    this.status = 'stopped'
  }

  private slot(partition: number): Slot {
    let slot = this.slots.get(partition)
    if (slot === undefined) {
      slot = {
        task: null,
        chain: Promise.resolve(),
        awaitingSeek: null,
        fencedGeneration: null,
        commitQueued: false,
        restoring: false,
        restarts: 0,
        failing: null,
        deadLetters: new Map(),
        narrowThrough: null,
      }
      this.slots.set(partition, slot)
    }
    return slot
  }

  private enqueue(partition: number, step: (slot: Slot) => Promise<void>): Promise<void> {
    const slot = this.slot(partition)
    const run = slot.chain.then(() => step(slot))
    slot.chain = run.catch((err: unknown) => {
      this.options.logger.error({ partition, err: messageOf(err) }, 'partition step failed')
    })
    return slot.chain
  }

  private onAssignment(partitions: readonly number[], generation: number): void {
    this.generation = generation
    // Every task is closed and, if still assigned, reopened: kafkajs does not say whether this
    // member was dropped from the group meanwhile (a long pause), in which case another member
    // may have processed "its" partitions and its state and position are stale. Closing commits
    // what it can; a zombie's commit is fenced, and the reopened task restores and re-reads
    // from the committed position either way.
    for (const partition of this.slots.keys()) {
      void this.enqueue(partition, async (slot) => {
        const task = slot.task
        slot.task = null
        slot.awaitingSeek = null
        await task?.close({ commit: true })
      })
    }
    this.assigned = new Set(partitions)
    for (const partition of partitions) {
      void this.enqueue(partition, (slot) => this.ensureTask(partition, slot))
    }
  }

  private async ensureTask(partition: number, slot: Slot): Promise<void> {
    if (slot.task !== null || !this.accepting(partition)) return
    if (slot.fencedGeneration === this.generation) return
    slot.fencedGeneration = null
    slot.restoring = true
    try {
      const task = await retrying(() => this.openTask(partition), {
        retriable: () => this.accepting(partition),
        onRetry: (err, attempt, delayMs) =>
          this.options.logger.warn(
            { partition, attempt, delayMs, err: messageOf(err) },
            'cannot open the partition task; retrying',
          ),
      })
      if (!this.accepting(partition)) {
        await task.close({ commit: false })
        return
      }
      slot.task = task
      slot.awaitingSeek = task.nextOffset
      this.options.log.seek(partition, task.nextOffset)
    } finally {
      slot.restoring = false
    }
  }

  private async openTask(partition: number): Promise<PartitionTask> {
    const { log, logger } = this.options
    const sink = await log.openSink(partition)
    let store: KeyValueStore | null = null
    try {
      store = await this.options.openStore(partition)
      return await PartitionTask.open({
        partition,
        resolver: this.options.resolver,
        ...(this.options.prefetch === undefined ? {} : { prefetch: this.options.prefetch }),
        codec: this.options.codec,
        store,
        sink,
        changelog: log.changelog(partition),
        position: log.position(partition),
        logger: logger.child({ partition }),
        metrics: this.metrics,
        commitIntervalMs: this.options.commitIntervalMs,
        maxTransactionEvents: this.options.maxTransactionEvents,
        ...(this.options.profileChangelog === undefined
          ? {}
          : { profileChangelog: this.options.profileChangelog }),
        ...(this.options.cacheEntriesPerTask === undefined
          ? {}
          : { cacheEntries: this.options.cacheEntriesPerTask }),
        heartbeat: async () => {
          await log.heartbeat?.()
        },
        isFenced: (err) => log.isFenced(err),
        isRecordRejected: (err) => log.isRecordRejected(err),
        ownerOf: (key) => log.ownerOf(key),
        deadLetters: this.slot(partition).deadLetters,
        ...(this.options.maxRecordBytes === undefined
          ? {}
          : { maxRecordBytes: this.options.maxRecordBytes }),
      })
    } catch (err) {
      await sink.close().catch(() => undefined)
      await store?.close().catch(() => undefined)
      throw err
    }
  }

  private accepting(partition: number): boolean {
    return (this.status === 'running' || this.status === 'starting') && this.assigned.has(partition)
  }

  private onBatch(batch: FetchedBatch, heartbeat: () => Promise<void>): Promise<void> {
    const partition = batch.partition
    return this.enqueue(partition, async (slot) => {
      await this.ensureTask(partition, slot)
      const task = slot.task
      if (task === null || !this.accepting(partition)) return
      if (slot.awaitingSeek !== null) {
        if (batch.fetchedOffset !== slot.awaitingSeek) return
        slot.awaitingSeek = null
      } else if (BigInt(batch.fetchedOffset) > BigInt(task.nextOffset)) {
        // Records between were never handed to this task: read them again.
        slot.awaitingSeek = task.nextOffset
        this.options.log.seek(partition, task.nextOffset)
        return
      }
      try {
        // A fetch can hold a whole backlog: slices keep transactions to the commit interval
        // and batch size, and let outputs flow while the rest is decided.
        for (let i = 0; i < batch.records.length;) {
          const narrow =
            slot.narrowThrough !== null && BigInt(task.nextOffset) <= slot.narrowThrough
          const slice = narrow ? 1 : SLICE_RECORDS
          await task.process(batch.records.slice(i, i + slice))
          i += slice
          if (narrow || task.commitDue) await this.commit(task, slot)
          await heartbeat().catch(() => undefined)
        }
        // past trailing transaction markers (e.g. of routed records), so the committed position
        // reaches the end of the partition
        task.skipTo(BigInt(batch.lastOffset) + 1n)
        this.metrics.lag(
          partition,
          Math.max(0, Number(batch.highWatermark) - Number(task.nextOffset)),
        )
      } catch (err) {
        await this.recover(partition, slot, err)
      }
    })
  }

  /**
   * Offsets first..last hold nothing to process: when they cover the task's next offset it moves
   * past them (committed at the next tick). That also answers a pending seek: a task reopened
   * at a transaction marker (a partition ending in one) gets no batch of records to wait for.
   */
  private onSkipped(partition: number, firstOffset: string, lastOffset: string): void {
    void this.enqueue(partition, async (slot) => {
      const task = slot.task
      if (task === null) return
      const next = BigInt(task.nextOffset)
      if (BigInt(firstOffset) > next || BigInt(lastOffset) < next) return
      task.skipTo(BigInt(lastOffset) + 1n)
      slot.awaitingSeek = null
    })
  }

  private tick(): void {
    for (const [partition, slot] of this.slots) {
      if (slot.commitQueued || slot.task === null || !slot.task.commitDue) continue
      slot.commitQueued = true
      void this.enqueue(partition, async (s) => {
        s.commitQueued = false
        const task = s.task
        if (task === null || !task.commitDue) return
        try {
          await this.commit(task, s)
        } catch (err) {
          await this.recover(partition, s, err)
        }
      })
    }
  }

  /** Commits, then forgets the failures the commit has put behind it. */
  private async commit(task: PartitionTask, slot: Slot): Promise<void> {
    await task.commit()
    slot.restarts = 0
    const next = BigInt(task.nextOffset)
    if (slot.failing !== null && BigInt(slot.failing.offset) < next) slot.failing = null
    if (slot.narrowThrough !== null && slot.narrowThrough < next) slot.narrowThrough = null
    for (const offset of slot.deadLetters.keys()) {
      if (BigInt(offset) < next) slot.deadLetters.delete(offset)
    }
  }

  /**
   * The task failed: its transaction is aborted and, as the failure policy says for the code,
   * the partition waits for a rebalance (fenced), or a new task starts over from the last
   * commit after a backoff, dead-lettering the record that failed once it has failed as often
   * as the policy allows. No record can hold a partition for good.
   */
  private async recover(partition: number, slot: Slot, err: unknown): Promise<void> {
    const failure =
      err instanceof TaskFailure
        ? err
        : new TaskFailure(this.options.log.isFenced(err) ? 'fenced' : 'unexpected', null, err)
    const action = this.policy[failure.code]
    const task = slot.task
    slot.task = null
    slot.awaitingSeek = null
    await task?.close({ commit: false })
    const logged = { partition, code: failure.code, offset: failure.offset, err: messageOf(err) }
    if (action.kind === 'wait-for-rebalance') {
      this.options.logger.warn(
        logged,
        'fenced: another instance owns this partition now; waiting for the rebalance',
      )
      slot.fencedGeneration = this.generation
      return
    }
    const forced = failure.offset === null ? undefined : slot.deadLetters.get(failure.offset)
    if (forced !== undefined && failure.offset !== null) {
      // Even the dead letter failed: first it goes without its copy of the original bytes;
      // should that fail too, the record is passed over (logged), never retried for ever.
      const next = forced.withoutOriginal === true ? { drop: true } : { withoutOriginal: true }
      slot.deadLetters.set(failure.offset, { ...forced, ...next })
      if (forced.withoutOriginal === true) {
        this.options.logger.error(
          logged,
          'not even its dead letter can be written: the record is passed over',
        )
      } else {
        this.options.logger.warn(
          logged,
          'the dead letter was refused; sending it without the original bytes',
        )
      }
    } else if (action.kind === 'retry-record' && failure.offset !== null) {
      const attempts = slot.failing?.offset === failure.offset ? slot.failing.attempts + 1 : 1
      slot.failing = { offset: failure.offset, attempts }
      if (attempts >= action.attempts) {
        slot.deadLetters.set(failure.offset, { reason: action.reason, detail: failure.message })
        slot.failing = null
        this.options.logger.warn(
          { ...logged, attempts },
          'record failed every attempt; it goes to the dead-letter topic and the partition goes on',
        )
      } else {
        this.options.logger.warn(
          { ...logged, attempts },
          'record failed; retrying from the last commit',
        )
      }
    } else if (action.kind === 'retry-record' && failure.through !== null) {
      slot.narrowThrough = BigInt(failure.through)
      this.options.logger.warn(
        { ...logged, through: failure.through },
        'the log refused a record of the transaction; redoing it one record per transaction',
      )
    } else {
      this.options.logger.warn(
        logged,
        'transaction failed; aborting and re-processing from the last commit',
      )
    }
    slot.restarts++
    const delayMs = restartDelayMs(slot.restarts)
    await (this.options.sleep ?? sleep)(delayMs)
    await this.options.log.heartbeat?.().catch(() => undefined)
    await this.ensureTask(partition, slot)
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
