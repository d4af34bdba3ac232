/**
 * The processor's Kafka pattern, without the processor: what every client of
 * bench:kafka-clients runs. Per input partition, batches in offset order; each batch's outputs
 * (`outputsPerInput` records per input record, the input's key and value, on the same partition
 * of the output topic) are sent in that partition's open transaction, and the transaction
 * commits with the next input offset (sendOffsets) once `commitIntervalMs` has passed since it
 * began, as src/runtime/task.ts does. A client adapts its transactions to `PartitionTxns`.
 */
import { chunksOf } from '../../../src/kafka/transactional-sink.js'

/** The clients of the comparison, by the name bench:kafka-clients takes. */
export const CLIENTS = ['kafkajs', 'platformatic', 'confluent'] as const
export type ClientName = (typeof CLIENTS)[number]

/** What the parent hands a child run (JSON on its command line). */
export interface RunSpec {
  readonly brokers: readonly string[]
  readonly input: string
  readonly output: string
  readonly partitions: number
  /**
   * A fresh group per run, so each run reads the whole backlog; transactional ids are
   * `${groupId}-${input}-${partition}`, as src/kafka/transactional-sink.ts names them.
   */
  readonly groupId: string
  /** Unique per run: client ids. */
  readonly runId: string
  /** The input's end offset per partition: the run is done once every one is committed. */
  readonly ends: readonly string[]
  readonly commitIntervalMs: number
  readonly outputsPerInput: number
  readonly maxBytesPerPartition: number
  /**
   * CPU µs of this process's main thread burnt per input record before its outputs are sent:
   * the processor's own work (decode, decide, encode), emulated, so that batches and
   * transactions come at the pace they come in the processor. Subtracted from the figures.
   */
  readonly workMicrosPerRecord: number
}

/** An input record as the pattern needs it. */
export interface InRecord {
  readonly key: Buffer | null
  readonly value: Buffer | null
  readonly offset: bigint
  /** The client's own message object, for clients that commit an offset by message. */
  readonly source?: unknown
}

export interface OutRecord {
  readonly topic: string
  readonly partition: number
  readonly key: Buffer | null
  readonly value: Buffer | null
}

/** One partition's transactions, as a client does them. */
export interface PartitionTxns {
  begin(): Promise<void>
  send(records: readonly OutRecord[]): Promise<void>
  /** sendOffsets(next input offset) and commit; `last` is the last input record committed. */
  commit(nextOffset: bigint, last: InRecord): Promise<void>
}

export interface PatternCounts {
  consumed: number
  produced: number
  transactions: number
  batches: number
  /** Main-thread CPU µs burnt as the emulated work (RunSpec.workMicrosPerRecord). */
  workMicros: number
}

// A send's records go out in chunks, as the processor's sink cuts them (its chunksOf): a client
// that puts all of one send's records for a partition into one record batch
// (@platformatic/kafka does) would otherwise exceed the broker's message.max.bytes with a
// backlog's batch.

/**
 * Drives the pattern for every partition of one run. `batch` is awaited by the client's fetch
 * loop (one partition's batches never overlap there); a timer commits transactions that fell
 * due while no batch came (the end of the backlog).
 */
export class Pattern {
  readonly counts: PatternCounts = {
    consumed: 0,
    produced: 0,
    transactions: 0,
    batches: 0,
    workMicros: 0,
  }
  private readonly parts = new Map<number, PartitionState>()
  private readonly timer: NodeJS.Timeout
  private finished = false
  private failed = false
  private resolveDone!: () => void
  private rejectDone!: (err: unknown) => void
  /** Settles when every partition's committed offset reached its end (or on the first error). */
  readonly done = new Promise<void>((resolve, reject) => {
    this.resolveDone = resolve
    this.rejectDone = reject
  })
  private firstBatch: (() => void) | null

  constructor(
    private readonly spec: RunSpec,
    private readonly hooks: RunHooks,
  ) {
    this.firstBatch = hooks.onFirstBatch
    this.timer = setInterval(() => {
      for (const part of this.parts.values()) void this.guard(part.tick())
    }, 5)
  }

  /** The partition's transactions: open them (and so fence earlier owners) before its batches. */
  attach(partition: number, txns: PartitionTxns): void {
    const end = BigInt(this.spec.ends[partition] ?? '0')
    const part = new PartitionState(partition, txns, this.spec, this.counts, end, () =>
      this.checkDone(),
    )
    this.parts.set(partition, part)
    // An empty partition is done from the start.
    this.checkDone()
  }

  isAttached(partition: number): boolean {
    return this.parts.has(partition)
  }

  async batch(partition: number, records: readonly InRecord[]): Promise<void> {
    const part = this.parts.get(partition)
    if (part === undefined) throw new Error(`partition ${partition} has no transactions`)
    if (records.length === 0) return
    if (this.firstBatch !== null) {
      this.firstBatch()
      this.firstBatch = null
    }
    // A client that hands over more than one fetch's worth at once (librdkafka's prefetch queue
    // through eachBatch) is cut to the fetch size, so every client commits at the same pace.
    for (const piece of piecesOf(records, this.spec.maxBytesPerPartition)) {
      if (this.failed) return
      await this.guard(part.batch(piece))
    }
  }

  stop(): void {
    clearInterval(this.timer)
  }

  private async guard(work: Promise<void>): Promise<void> {
    try {
      await work
    } catch (err) {
      this.failed = true
      this.stop()
      this.rejectDone(err)
    }
  }

  private checkDone(): void {
    if (this.finished || this.parts.size < this.spec.partitions) return
    for (const part of this.parts.values()) if (!part.isDone) return
    this.finished = true
    this.stop()
    this.hooks.onCommittedAll(this.counts)
    this.resolveDone()
  }
}

class PartitionState {
  private open = false
  private startedAt = 0
  private next = -1n
  private last: InRecord | null = null
  private committed = -1n
  private owed = 0
  /** One partition's work runs one piece at a time: a batch, or a timer's commit. */
  private chain: Promise<void> = Promise.resolve()

  constructor(
    private readonly partition: number,
    private readonly txns: PartitionTxns,
    private readonly spec: RunSpec,
    private readonly counts: PatternCounts,
    private readonly end: bigint,
    private readonly onCommitted: () => void,
  ) {}

  get isDone(): boolean {
    return this.end === 0n || this.committed >= this.end
  }

  batch(records: readonly InRecord[]): Promise<void> {
    return this.serial(async () => {
      const fresh = records.filter((r) => r.offset >= this.next)
      if (fresh.length === 0) return
      if (!this.open) {
        await this.txns.begin()
        this.open = true
        this.startedAt = performance.now()
      }
      this.counts.workMicros += burn(fresh.length * this.spec.workMicrosPerRecord)
      // outputsPerInput records per input record, spread over the batch.
      this.owed += fresh.length * this.spec.outputsPerInput
      const count = Math.min(fresh.length, Math.floor(this.owed))
      this.owed -= count
      const outputs: OutRecord[] = []
      for (let i = 0; i < count; i++) {
        const r = fresh[Math.floor((i * fresh.length) / count)] as InRecord
        outputs.push({
          topic: this.spec.output,
          partition: this.partition,
          key: r.key,
          value: r.value,
        })
      }
      for (const chunk of chunksOf(outputs)) await this.txns.send(chunk)
      this.counts.consumed += fresh.length
      this.counts.produced += outputs.length
      this.counts.batches++
      this.last = fresh.at(-1) as InRecord
      this.next = this.last.offset + 1n
      if (this.due) await this.commit()
    })
  }

  tick(): Promise<void> {
    if (!this.open || !this.due) return Promise.resolve()
    return this.serial(async () => {
      if (this.open && this.due) await this.commit()
    })
  }

  private get due(): boolean {
    return performance.now() - this.startedAt >= this.spec.commitIntervalMs
  }

  private async commit(): Promise<void> {
    await this.txns.commit(this.next, this.last as InRecord)
    this.open = false
    this.committed = this.next
    this.counts.transactions++
    this.onCommitted()
  }

  private serial(work: () => Promise<void>): Promise<void> {
    const run = this.chain.then(work)
    this.chain = run.catch(() => undefined)
    return run
  }
}

function* piecesOf(records: readonly InRecord[], maxBytes: number): Generator<InRecord[]> {
  let piece: InRecord[] = []
  let bytes = 0
  for (const r of records) {
    const size = (r.key?.length ?? 0) + (r.value?.length ?? 0)
    if (piece.length > 0 && bytes + size > maxBytes) {
      yield piece
      piece = []
      bytes = 0
    }
    piece.push(r)
    bytes += size
  }
  if (piece.length > 0) yield piece
}

/** Burns `micros` of this thread's CPU time (not wall time: the machine is shared); returns it. */
function burn(micros: number): number {
  if (micros <= 0) return 0
  const from = process.threadCpuUsage()
  for (;;) {
    const used = process.threadCpuUsage(from)
    const spent = used.user + used.system
    if (spent >= micros) return spent
  }
}

/** What a client is and whether it can do the processor's exactly-once pattern. */
export interface ClientInfo {
  readonly client: string
  readonly version: string
  /** Transactions with offsets in them (sendOffsets / TxnOffsetCommit) and read_committed. */
  readonly transactions: boolean
  /** KIP-447: the producer's offset commit carries the consumer's group metadata (generation fencing). */
  readonly kip447Producer: boolean
  /** KIP-447: the consumer fetches committed offsets with require_stable (waits for pending ones). */
  readonly kip447Consumer: boolean
  /** How this bench drives it: which API and settings. */
  readonly how: string
}

/** Where a run's measured window starts and ends. */
export interface RunHooks {
  /** Producers are open and the consumer is about to join (everything after is the client's work). */
  onStarting(): void
  /** The first records arrived (group joined, producers open). */
  onFirstBatch(): void
  /** Every partition's end offset is committed; called before any client disconnects. */
  onCommittedAll(counts: PatternCounts): void
}

/** A client of the comparison: one run of the pattern in this (child) process. */
export interface ClientDriver {
  readonly info: ClientInfo
  run(spec: RunSpec, hooks: RunHooks): Promise<PatternCounts>
}
