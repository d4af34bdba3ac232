/**
 * A profile's history (merges into it, reassignments from and to it, refused merges involving
 * it): the state keeps merges but not reassignments or refusals, so the read side indexes the
 * committed identity-event topics (`profile-merged`, `link-reassigned`, `merge-refused`) by the
 * profile ids they name. Two feeds: in the embedded mode the index reads the local log (the
 * JSON of the core's output records) from where it stopped before every answer; in Kafka mode
 * a replica follows the topics (src/runtime/identity-event-replica.ts, Avro decoded to the
 * core's records) and `add`s each record as it arrives. In memory: these records are few next
 * to events (one per merge, reassignment or refusal). A history route asks for the ids of one
 * set (the live id and every id merged into it).
 */
import { KEY_SEPARATOR } from '../core/keys.js'
import type { Identifier, OutputRecord } from '../core/types.js'

export const HISTORY_TOPICS = ['profile-merged', 'link-reassigned', 'merge-refused'] as const
export type HistoryTopic = (typeof HISTORY_TOPICS)[number]

/** The core's output records the identity-event topics carry. */
export type IdentityEvent = Extract<
  OutputRecord,
  { kind: 'merged' | 'reassigned' | 'merge-refused' }
>

/** Where the committed identity events are read from (the embedded log). */
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
const KIND_ORDER: Readonly<Record<HistoryEntry['kind'], number>> = {
  merged: 0,
  reassigned: 1,
  'merge-refused': 2,
}
const decoder = new TextDecoder()

export class HistoryIndex {
  private readonly next = new Map<HistoryTopic, bigint>()
  private readonly byProfile = new Map<string, HistoryEntry[]>()
  /** One catch-up at a time; concurrent answers wait for the same one. */
  private running: Promise<void> | null = null

  /** `log`: the embedded log to read before each answer; null: fed by `add` (Kafka mode). */
  constructor(private readonly log: IdentityEventLog | null = null) {}

  /** Reads every topic of the log to its current end (nothing to do when fed by `add`). */
  catchUp(): Promise<void> {
    if (this.log === null) return Promise.resolve()
    this.running ??= this.readAll(this.log).finally(() => {
      this.running = null
    })
    return this.running
  }

  private async readAll(log: IdentityEventLog): Promise<void> {
    for (const topic of HISTORY_TOPICS) {
      for (;;) {
        const from = this.next.get(topic) ?? 0n
        const records = await log.read(topic, from, BATCH)
        if (records.length === 0) break
        for (const r of records) if (r.value !== null) this.add(fromJson(topic, r.value))
        this.next.set(topic, BigInt((records.at(-1) as { offset: string }).offset) + 1n)
        if (records.length < BATCH) break
      }
    }
  }

  /** Indexes one committed record under the profile ids it names. Once per record. */
  add(event: IdentityEvent): void {
    const base = { eventId: event.eventId, timestamp: event.timestamp }
    switch (event.kind) {
      case 'merged': {
        const e: HistoryEntry = {
          kind: 'merged',
          ...base,
          survivor: event.survivor,
          merged: event.merged,
          via: event.via,
        }
        this.index(event.tenant, [e.survivor, e.merged], e)
        return
      }
      case 'reassigned': {
        const e: HistoryEntry = {
          kind: 'reassigned',
          ...base,
          identifier: event.link,
          from: event.from,
          to: event.to,
        }
        this.index(event.tenant, [e.from, e.to], e)
        return
      }
      case 'merge-refused': {
        const e: HistoryEntry = {
          kind: 'merge-refused',
          ...base,
          target: event.target,
          refused: event.refused,
          limitType: event.limitType,
          via: event.via,
        }
        this.index(event.tenant, [e.target, e.refused], e)
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

  /**
   * Every entry naming one of the ids, once, by event time (then eventId, then topic: merges,
   * reassignments, refusals, as one event emits them), oldest first; within one topic in log
   * order. The topics may arrive in any interleaving (Kafka): the answer does not depend on it.
   */
  entries(tenant: string, profileIds: readonly string[]): HistoryEntry[] {
    const found = new Set<HistoryEntry>()
    for (const id of profileIds)
      for (const e of this.byProfile.get(tenant + KEY_SEPARATOR + id) ?? []) found.add(e)
    return [...found].sort(
      (a, b) =>
        a.timestamp - b.timestamp ||
        (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0) ||
        KIND_ORDER[a.kind] - KIND_ORDER[b.kind],
    )
  }
}

/** A record of the embedded log: the JSON of the core's record without its `kind`. */
function fromJson(topic: HistoryTopic, bytes: Uint8Array): IdentityEvent {
  const v = JSON.parse(decoder.decode(bytes)) as Record<string, unknown>
  const common = {
    tenant: String(v.tenant),
    eventId: String(v.eventId),
    timestamp: Number(v.timestamp),
  }
  switch (topic) {
    case 'profile-merged':
      return {
        kind: 'merged',
        ...common,
        survivor: String(v.survivor),
        merged: String(v.merged),
        via: identifierOrNull(v.via),
      }
    case 'link-reassigned':
      return {
        kind: 'reassigned',
        ...common,
        link: identifierOrNull(v.link) ?? { type: '', value: '' },
        from: String(v.from),
        to: String(v.to),
      }
    case 'merge-refused':
      return {
        kind: 'merge-refused',
        ...common,
        target: String(v.target),
        refused: String(v.refused),
        limitType: String(v.limitType),
        via: identifierOrNull(v.via),
      }
  }
}

function identifierOrNull(v: unknown): Identifier | null {
  if (v === null || typeof v !== 'object') return null
  const o = v as { type?: unknown; value?: unknown }
  return typeof o.type === 'string' && typeof o.value === 'string'
    ? { type: o.type, value: o.value }
    : null
}
