import type { ChangelogRecord } from './ports.js'
import type { KeyValueStore, KeyValueWrite } from '../ports/key-value-store.js'

/** One fetched stretch of one state-changelog partition, as the follower hands it over. */
export interface ReplicaBatch {
  readonly partition: number
  readonly records: readonly ChangelogRecord[]
  /**
   * The last offset covered, transaction markers included; null when the follower only reports
   * the partition's high watermark (a partition with nothing new).
   */
  readonly lastOffset: string | null
  readonly highWatermark: string
  /** When its last record was written (ms), if known. */
  readonly lastTimestamp: number | null
}

/**
 * Follows the state changelog from per-partition offsets (null: the start) until stopped;
 * `positionOf` says where to resume a partition when the follower has to seek again.
 */
export type FollowChangelog = (
  from: ReadonlyMap<number, string | null>,
  onBatch: (batch: ReplicaBatch) => Promise<void>,
  positionOf: (partition: number) => string,
) => Promise<{ stop(): Promise<void> }>

export interface PartitionLag {
  readonly partition: number
  /** The next changelog offset to apply: everything before it is in the store. */
  readonly next: string
  /** Offsets of the changelog not applied yet, as of the last fetch; null before the first. */
  readonly behind: number | null
  /** How long ago the last applied record was written (ms); null before the first. */
  readonly lastAppliedAgeMs: number | null
}

const checkpointKey = (partition: number) => `\u0000replica-offset-${partition}`
const encoder = new TextEncoder()
const decoder = new TextDecoder()

/**
 * A read replica of the processor's state, as a Kafka Streams standby replica keeps one: every
 * committed record of every state-changelog partition is applied to a local store, with the
 * offset it reached in the same write batch, so a restart continues where it stopped. The
 * store then answers what the processor has committed (the Profile API reads it with the
 * core's own lookups). Keys carry the tenant and a tenant lives in one partition, so the
 * partitions share one key space.
 */
export class StateReplica {
  private readonly next = new Map<number, bigint>()
  private readonly high = new Map<number, bigint>()
  private readonly lastAt = new Map<number, number>()
  private follower: { stop(): Promise<void> } | null = null
  /** Applies run one at a time (a fetch and a watermark report may arrive together). */
  private applying: Promise<void> = Promise.resolve()

  private constructor(
    readonly store: KeyValueStore,
    private readonly partitions: number,
    private readonly now: () => number,
  ) {}

  static async start(options: {
    readonly store: KeyValueStore
    readonly partitions: number
    readonly follow: FollowChangelog
    readonly now?: () => number
  }): Promise<StateReplica> {
    const replica = new StateReplica(options.store, options.partitions, options.now ?? Date.now)
    const keys = Array.from({ length: options.partitions }, (_, p) => checkpointKey(p))
    const stored = await options.store.getMany(keys)
    const from = new Map<number, string | null>()
    for (let p = 0; p < options.partitions; p++) {
      const bytes = stored[p]
      const next = bytes === undefined ? null : decoder.decode(bytes)
      from.set(p, next)
      replica.next.set(p, next === null ? 0n : BigInt(next))
    }
    replica.follower = await options.follow(
      from,
      (batch) => replica.enqueue(batch),
      (partition) => replica.positionOf(partition),
    )
    return replica
  }

  /** Where the follower must read `partition` from (after a rejoin of its group, say). */
  private positionOf(partition: number): string {
    return (this.next.get(partition) ?? 0n).toString()
  }

  private enqueue(batch: ReplicaBatch): Promise<void> {
    const run = this.applying.then(() => this.apply(batch))
    this.applying = run.catch(() => undefined)
    return run
  }

  /**
   * Applies one batch and the position after it, atomically. Records before the position are
   * already in the store (a refetch): applying them again would put older values back.
   */
  private async apply(batch: ReplicaBatch): Promise<void> {
    const { partition } = batch
    const high = BigInt(batch.highWatermark)
    if (high > (this.high.get(partition) ?? -1n)) this.high.set(partition, high)
    if (batch.lastOffset === null) return
    const next = this.next.get(partition) ?? 0n
    const after = BigInt(batch.lastOffset) + 1n
    if (after <= next) return
    const fresh = batch.records.filter((r) => BigInt(r.offset) >= next)
    const writes: KeyValueWrite[] = fresh.map(({ key, value }) => ({ key, value }))
    writes.push({ key: checkpointKey(partition), value: encoder.encode(after.toString()) })
    await this.store.write(writes)
    this.next.set(partition, after)
    if (batch.lastTimestamp !== null) this.lastAt.set(partition, batch.lastTimestamp)
  }

  /** Per partition: offsets behind the last seen high watermark, age of the last record. */
  lag(): PartitionLag[] {
    const now = this.now()
    return Array.from({ length: this.partitions }, (_, partition) => {
      const next = this.next.get(partition) ?? 0n
      const high = this.high.get(partition)
      const at = this.lastAt.get(partition)
      return {
        partition,
        next: next.toString(),
        behind: high === undefined ? null : Number(high > next ? high - next : 0n),
        lastAppliedAgeMs: at === undefined ? null : Math.max(0, now - at),
      }
    })
  }

  async stop(): Promise<void> {
    await this.follower?.stop()
    this.follower = null
  }
}
