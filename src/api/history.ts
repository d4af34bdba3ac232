/**
 * A profile's history (merges into it, reassignments from and to it, refused merges involving
 * it): the state keeps merges but not reassignments or refusals, so the read side indexes the
 * committed identity-event topics (`profile-merged`, `link-reassigned`, `merge-refused`, the
 * JSON of the core's output records) by the profile ids they name, following each topic from
 * where it stopped before every answer. In memory: these records are few next to events (one
 * per merge, reassignment or refusal). A history route asks for the ids of one set (the live
 * id and every id merged into it).
 */
import { KEY_SEPARATOR } from '../core/keys.js'
import type { Identifier } from '../core/types.js'

export const HISTORY_TOPICS = ['profile-merged', 'link-reassigned', 'merge-refused'] as const
export type HistoryTopic = (typeof HISTORY_TOPICS)[number]

/** Where the committed identity events are read from (the embedded log, or later Kafka). */
export interface IdentityEventLog {
  /** Up to `max` records of the topic from offset `from`; fewer (or none) at its end. */
  read(
    topic: HistoryTopic,
    from: bigint,
    max: number,
  ): Promise<ReadonlyArray<{ readonly offset: string; readonly value: Uint8Array | null }>>
}

export type HistoryEntry =
  | {
      readonly kind: 'merged'
      readonly eventId: string
      readonly timestamp: number
      readonly survivor: string
      readonly merged: string
      readonly via: Identifier | null
    }
  | {
      readonly kind: 'reassigned'
      readonly eventId: string
      readonly timestamp: number
      readonly identifier: Identifier
      readonly from: string
      readonly to: string
    }
  | {
      readonly kind: 'merge-refused'
      readonly eventId: string
      readonly timestamp: number
      readonly target: string
      readonly refused: string
      readonly limitType: string
      readonly via: Identifier | null
    }

const BATCH = 10_000
const decoder = new TextDecoder()

export class HistoryIndex {
  private readonly next = new Map<HistoryTopic, bigint>()
  private readonly byProfile = new Map<string, HistoryEntry[]>()
  /** One catch-up at a time; concurrent answers wait for the same one. */
  private running: Promise<void> | null = null

  constructor(private readonly log: IdentityEventLog) {}

  /** Reads every topic to its current end. */
  catchUp(): Promise<void> {
    this.running ??= this.readAll().finally(() => {
      this.running = null
    })
    return this.running
  }

  private async readAll(): Promise<void> {
    for (const topic of HISTORY_TOPICS) {
      for (;;) {
        const from = this.next.get(topic) ?? 0n
        const records = await this.log.read(topic, from, BATCH)
        if (records.length === 0) break
        for (const r of records) if (r.value !== null) this.add(topic, r.value)
        this.next.set(topic, BigInt((records.at(-1) as { offset: string }).offset) + 1n)
        if (records.length < BATCH) break
      }
    }
  }

  private add(topic: HistoryTopic, bytes: Uint8Array): void {
    const v = JSON.parse(decoder.decode(bytes)) as Record<string, unknown>
    const tenant = String(v.tenant)
    const base = { eventId: String(v.eventId), timestamp: Number(v.timestamp) }
    switch (topic) {
      case 'profile-merged': {
        const e: HistoryEntry = {
          kind: 'merged',
          ...base,
          survivor: String(v.survivor),
          merged: String(v.merged),
          via: identifierOrNull(v.via),
        }
        this.index(tenant, [e.survivor, e.merged], e)
        return
      }
      case 'link-reassigned': {
        const e: HistoryEntry = {
          kind: 'reassigned',
          ...base,
          identifier: identifierOrNull(v.link) ?? { type: '', value: '' },
          from: String(v.from),
          to: String(v.to),
        }
        this.index(tenant, [e.from, e.to], e)
        return
      }
      case 'merge-refused': {
        const e: HistoryEntry = {
          kind: 'merge-refused',
          ...base,
          target: String(v.target),
          refused: String(v.refused),
          limitType: String(v.limitType),
          via: identifierOrNull(v.via),
        }
        this.index(tenant, [e.target, e.refused], e)
        return
      }
    }
  }

  private index(tenant: string, ids: readonly string[], entry: HistoryEntry): void {
    for (const id of new Set(ids)) {
      const key = tenant + KEY_SEPARATOR + id
      const list = this.byProfile.get(key)
      if (list === undefined) this.byProfile.set(key, [entry])
      else list.push(entry)
    }
  }

  /** Every entry naming one of the ids, once, by event time (then eventId), oldest first. */
  entries(tenant: string, profileIds: readonly string[]): HistoryEntry[] {
    const found = new Set<HistoryEntry>()
    for (const id of profileIds)
      for (const e of this.byProfile.get(tenant + KEY_SEPARATOR + id) ?? []) found.add(e)
    return [...found].sort(
      (a, b) =>
        a.timestamp - b.timestamp || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0),
    )
  }
}

function identifierOrNull(v: unknown): Identifier | null {
  if (v === null || typeof v !== 'object') return null
  const o = v as { type?: unknown; value?: unknown }
  return typeof o.type === 'string' && typeof o.value === 'string'
    ? { type: o.type, value: o.value }
    : null
}
