import type { AttributeProvenance, AttributeValue, Identifier, TimelineEntry } from './types.js'

/**
 * Everything the resolver keeps in state, tagged on `type`. Values are plain JSON data (no
 * Maps, classes or undefined fields) because the RocksDB store serialises them and the state
 * changelog ships them. Records read from state are treated as immutable: the resolver copies
 * before changing, since a store or cache may hand out shared objects.
 * The layout is described in docs/resolution-rules.md ("State layout").
 */

/** The event that caused a link attachment or a merge: enough to explain it and to retract it. */
export interface Evidence {
  readonly eventId: string
  readonly timestamp: number
  readonly source: string
  readonly sequence: number
}

/**
 * key: linkKey(tenant, type, value). Points to the profile id the link (or anchor) was attached
 * to. Never rewritten on merge: the id resolves through the union-find to its survivor.
 * Rewritten only when the link moves (reassignment) or is detached (unlink/forget: deleted).
 */
export interface LinkRecord {
  readonly type: 'link'
  readonly profileId: string
  readonly attachedBy: Evidence
}

/** key: linkKey. A forgotten identifier of a tenant with suppressForgotten: later events drop it. */
export interface SuppressedRecord {
  readonly type: 'suppressed'
  readonly suppressedBy: Evidence
}

export interface MergeEvidence {
  readonly survivor: string
  readonly merged: string
  /** The identifier through which the event connected the two profiles. */
  readonly via: Identifier | null
  readonly by: Evidence
}

/**
 * Members of a set: identifiers held and retired profile ids, in chunks of at most
 * MEMBER_CHUNK entries (identifiers + retired ids). The first chunk is inline in the root
 * record; the rest is a singly linked list of `members` records, so a merge, attachment or
 * removal rewrites a bounded number of bounded records whatever the set holds.
 */
export const MEMBER_CHUNK = 64

/**
 * key: profileKey(tenant, id) where id is the union-find root of the set. The public profileId
 * (the survivor chosen by the spec) may differ from the key's id (the root kept by union by
 * size): the set's every id resolves here, and `profileId` says which one is live.
 */
export interface ProfileRecord {
  readonly type: 'profile'
  readonly profileId: string
  readonly anchor: Identifier | null
  /** Identifiers held per type (anchor included): limits are checked on these, not on lists. */
  readonly counts: Readonly<Record<string, number>>
  /** The inline chunk of the membership: identifiers held, sorted within the chunk. */
  readonly members: readonly Identifier[]
  /** The inline chunk of the membership: retired ids of the set, sorted within the chunk. */
  readonly retired: readonly string[]
  /**
   * Aligned with `retired`: the merge that retired each id (a public id is merged away at most
   * once). Kept with the membership, so a merge writes its evidence in a record it rewrites
   * anyway.
   */
  readonly retiredBy: readonly MergeEvidence[]
  /** Chunk id (chunkKey) of the next `members` record, or null. */
  readonly next: string | null
  /** Sequence for the ids of chunks this root creates (`<rootId>.<n>`). */
  readonly chunkSeq: number
  readonly channels: readonly string[]
  readonly attributes: Readonly<Record<string, AttributeValue>>
  readonly provenance: Readonly<Record<string, AttributeProvenance>>
  readonly timeline: readonly TimelineEntry[]
  readonly createdAt: number
  /** Input sequence of the creating event: breaks createdAt ties for "oldest". */
  readonly createdSequence: number
  readonly updatedAt: number
  /** Number of profile ids in the set (union by size); retired ids are size - 1. */
  readonly size: number
}

/** key: chunkKey(tenant, chunk id). One more chunk of a set's membership (see MEMBER_CHUNK). */
export interface MembersRecord {
  readonly type: 'members'
  readonly identifiers: readonly Identifier[]
  readonly retired: readonly string[]
  readonly retiredBy: readonly MergeEvidence[]
  readonly next: string | null
}

/** key: profileKey(tenant, id). A non-root id of a set: follow `parent` to reach the root. */
export interface PointerRecord {
  readonly type: 'pointer'
  readonly parent: string
}

/**
 * key: profileKey(tenant, id). A forgotten profile id: nothing about the person remains, but
 * the id is never issued again (a later event with a reused eventId would otherwise derive it).
 */
export interface ForgottenRecord {
  readonly type: 'forgotten'
  readonly forgottenBy: Evidence
}

/** key: tenantMetaKey(tenant). Counts applied events: the write position of the idempotence ring. */
export interface TenantMetaRecord {
  readonly type: 'tenant-meta'
  readonly applied: number
}

/**
 * key: seenKey(tenant, eventId). Legacy, no longer written: state from before the ring kept
 * content hashes has one per remembered eventId (`slot` is its place in the ring). Read only
 * for a duplicate hitting a slot of such a ring record; deleted when that slot is reused.
 */
export interface SeenRecord {
  readonly type: 'seen'
  readonly slot: number
  /** idempotence.ts's contentHash of the applied event; absent in the oldest marks. */
  readonly content?: number
}

/**
 * key: seenRingKey(tenant, slot). RING_CHUNK consecutive slots of the idempotence ring (index
 * `slot % RING_CHUNK`; shorter while the ring fills): the only durable form of the window, from
 * which the in-memory eventId → slot index (seen-index.ts) is derived. Chunked so that a batch
 * of events reads and writes one record per RING_CHUNK events instead of one per event.
 */
export interface SeenRingRecord {
  readonly type: 'seen-ring'
  readonly eventIds: readonly string[]
  /**
   * Aligned with `eventIds`: idempotence.ts's contentHash of each slot's event, to tell a
   * repeat with other content. null for a slot written before the ring kept hashes (its
   * eventId has a `seen` marker); absent in records written before then.
   */
  readonly contents?: ReadonlyArray<number | null>
}

export type StateRecord =
  | LinkRecord
  | SuppressedRecord
  | ProfileRecord
  | MembersRecord
  | PointerRecord
  | ForgottenRecord
  | TenantMetaRecord
  | SeenRecord
  | SeenRingRecord
