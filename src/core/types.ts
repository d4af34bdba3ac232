/**
 * The core's contract with everything around it: what goes in (a ContactEvent and a state
 * reader) and what comes out (state writes, output records, an outcome). Avro schemas in
 * schemas/ mirror these shapes; change both together.
 */

export type EventType = 'identify' | 'unlink' | 'note' | 'forget'

export interface Identifier {
  readonly type: string
  readonly value: string
}

/** Raw attribute values as they arrive; the identity config's field types decide how they parse. */
export type RawAttributeValue = string | number | boolean | null

export interface ContactEvent {
  readonly eventId: string
  readonly tenant: string
  readonly type: EventType
  /** The channel/system that sent it (web, call_center, store, crm, ...). */
  readonly source: string
  /** Event time, epoch milliseconds. Recency rules use this, never arrival order. */
  readonly timestamp: number
  readonly identifiers: readonly Identifier[]
  readonly attributes: Readonly<Record<string, RawAttributeValue>>
  readonly note: string | null
}

/** Where the event sits in its input: the tie-breaker after timestamp, and the source of ids. */
export interface InputPosition {
  /** Monotonic within a tenant's input order (partition offset, or line number). */
  readonly sequence: number
}

export type AttributeValue = string | number | boolean

export interface AttributeProvenance {
  readonly source: string
  readonly timestamp: number
  readonly eventId: string
  readonly sequence: number
}

export interface TimelineEntry {
  readonly eventId: string
  readonly timestamp: number
  readonly source: string
  readonly note: string
}

/** The full profile as the changelog carries it after every change. */
export interface ProfileSnapshot {
  readonly tenant: string
  readonly profileId: string
  readonly anchor: Identifier | null
  /** Links and anchor, normalised, sorted by type then value. */
  readonly identifiers: readonly Identifier[]
  /** Sources that contributed, sorted. */
  readonly channels: readonly string[]
  readonly attributes: Readonly<Record<string, AttributeValue>>
  readonly provenance: Readonly<Record<string, AttributeProvenance>>
  /** Newest first, capped by the tenant's timelineCap. */
  readonly timeline: readonly TimelineEntry[]
  /** Retired profile ids that now resolve to this one, sorted. */
  readonly mergedFrom: readonly string[]
  readonly createdAt: number
  readonly updatedAt: number
}

export type DropReason =
  | 'blocked'
  | 'invalid'
  /** Longer than the type's maxLength after normalisation. */
  | 'too-long'
  | 'unknown-type'
  | 'limit-exceeded'
  | 'anchor-not-linkable'
  | 'suppressed'

export interface DroppedIdentifier {
  readonly identifier: Identifier
  readonly reason: DropReason
}

export interface DroppedAttribute {
  readonly field: string
  /** too-long: a string value over the tenant's maxAttributeLength. */
  readonly reason: 'unknown-field' | 'type-mismatch' | 'too-long'
}

export type DeadLetterReason =
  | 'no-identifiers'
  | 'conflicting-anchors'
  | 'invalid-event'
  | 'undecodable'
  | 'unknown-schema'
  /** The record failed processing on every attempt the failure policy allows (a poison record). */
  | 'processing-failed'
  /** An output of the record is larger than its topic accepts (max.message.bytes). */
  | 'output-too-large'
  /** An input line longer than the reader's cap (NDJSON, CSV); never held in memory whole. */
  | 'line-too-long'

/** Output records, tagged on `kind`; every switch over them is exhaustive. */
export type OutputRecord =
  | {
      readonly kind: 'profile'
      readonly tenant: string
      readonly profileId: string
      readonly profile: ProfileSnapshot | null
    }
  | {
      readonly kind: 'merged'
      readonly tenant: string
      readonly survivor: string
      readonly merged: string
      /** The identifier through which the event connected them. */
      readonly via: Identifier | null
      readonly eventId: string
      readonly timestamp: number
    }
  | {
      readonly kind: 'reassigned'
      readonly tenant: string
      readonly link: Identifier
      readonly from: string
      readonly to: string
      readonly eventId: string
      readonly timestamp: number
    }
  | {
      readonly kind: 'deleted'
      readonly tenant: string
      readonly profileId: string
      readonly suppressed: boolean
      readonly eventId: string
      readonly timestamp: number
    }
  | {
      readonly kind: 'merge-refused'
      readonly tenant: string
      readonly target: string
      readonly refused: string
      /** The identifier type whose limit the merge would have exceeded, or 'anchor'. */
      readonly limitType: string
      readonly via: Identifier | null
      readonly eventId: string
      readonly timestamp: number
    }
  | {
      readonly kind: 'dead-letter'
      readonly tenant: string | null
      readonly eventId: string | null
      readonly reason: DeadLetterReason
      readonly detail: string
    }

export interface EventOutcome {
  readonly eventId: string
  readonly tenant: string
  readonly status: 'applied' | 'duplicate' | 'dead-lettered'
  /** The profile the event ended in (after merges), if any. */
  readonly profileId: string | null
  readonly dropped: readonly DroppedIdentifier[]
  readonly droppedAttributes: readonly DroppedAttribute[]
  /** Two or more anchored profiles matched an un-anchored event (spec rule 4). */
  readonly ambiguous: boolean
  /**
   * A `duplicate` whose eventId was applied with other content (a producer reusing ids): still
   * no effect (rule 9), but counted and logged. False for every other outcome.
   */
  readonly conflictingDuplicate: boolean
}
