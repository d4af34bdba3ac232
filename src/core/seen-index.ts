/**
 * Rule 9's in-memory index: per tenant, eventId → ring slot, derived from the `seen-ring`
 * records (the only durable form of the idempotence window). A cache, never the truth: the
 * decision trusts it only while it matches state (idempotence.ts checks the tenant's `applied`
 * count, the eventId state holds at the last written slot, and every hit against the ring
 * record holding that slot) and rebuilds it from the ring records otherwise. So a transaction
 * abort (state rolled back, the index not), a rebalance (another task advanced state), a
 * restore or a decision whose writes were dropped cost a rebuild, never a wrong answer.
 * No I/O and no clock: it only holds what the decisions handed it.
 */
import { RING_CHUNK } from './keys.js'
import type { SeenRingRecord } from './state-records.js'

export class TenantSeenIndex {
  /** eventId → the ring slot that holds it. */
  private readonly slots = new Map<string, number>()

  private constructor(
    /** The tenant's idempotenceWindow it was built for. */
    readonly window: number,
    /** The tenant's `applied` count it was built or advanced to. */
    public applied: number,
    /** The eventId at slot `(applied - 1) mod window` (null: none), checked against state. */
    public last: string | null,
  ) {}

  /**
   * Built from the tenant's ring records, `records[i]` holding slots 64·i to 64·i + 63 (the
   * first ⌈min(applied, window) / 64⌉ of them; absent ones hold nothing).
   */
  static build(
    window: number,
    applied: number,
    records: ReadonlyArray<SeenRingRecord | undefined>,
  ): TenantSeenIndex {
    const index = new TenantSeenIndex(window, applied, null)
    const filled = Math.min(applied, window)
    for (let r = 0; r < records.length; r++) {
      const eventIds = records[r]?.eventIds
      if (eventIds === undefined) continue
      const base = r * RING_CHUNK
      const end = Math.min(eventIds.length, filled - base)
      for (let i = 0; i < end; i++) {
        const eventId = eventIds[i]
        if (typeof eventId === 'string') index.slots.set(eventId, base + i)
      }
    }
    if (applied > 0) {
      const lastSlot = (applied - 1) % window
      index.last =
        records[Math.floor(lastSlot / RING_CHUNK)]?.eventIds[lastSlot % RING_CHUNK] ?? null
    }
    return index
  }

  /** The slot the index says holds the eventId, if any (to verify against its ring record). */
  slotOf(eventId: string): number | undefined {
    return this.slots.get(eventId)
  }

  /** The decision applied `eventId` at `slot`, evicting `evicted` (the slot's former eventId). */
  advance(eventId: string, slot: number, evicted: string | undefined): void {
    if (evicted !== undefined && this.slots.get(evicted) === slot) this.slots.delete(evicted)
    this.slots.set(eventId, slot)
    this.applied++
    this.last = eventId
  }

  get size(): number {
    return this.slots.size
  }
}

/** The indexes of the tenants a resolver decided for (one resolver per process or command). */
export class SeenIndexes {
  private readonly byTenant = new Map<string, TenantSeenIndex>()

  get(tenant: string): TenantSeenIndex | undefined {
    return this.byTenant.get(tenant)
  }

  set(tenant: string, index: TenantSeenIndex): void {
    this.byTenant.set(tenant, index)
  }
}
