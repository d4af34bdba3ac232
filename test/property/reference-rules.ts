/**
 * The reference model's vocabulary and its rules as plain functions: the types the model and
 * the comparisons share, and one function per silent-spec decision (docs/resolution-rules.md),
 * each small enough to check against the page by eye.
 */
import type { TenantIdentityConfig } from '../../src/core/config.js'
import type {
  AttributeValue,
  ContactEvent,
  DropReason,
  RawAttributeValue,
} from '../../src/core/types.js'

export type Role = 'anchor' | 'link'

export interface ModelIdentifierType {
  readonly role: Role
  readonly limit: number
  /** Lower is stronger. */
  readonly priority: number
}

export interface ModelTenantConfig {
  readonly types: Readonly<Record<string, ModelIdentifierType>>
  readonly fields: ReadonlySet<string>
  /** Strongest first; unlisted sources rank after all listed ones, equal to each other. */
  readonly sourcePriority: readonly string[]
  readonly timelineCap: number
  readonly suppressForgotten: boolean
  readonly idempotenceWindow: number
}

export type NormalisedIdentifier =
  | { readonly ok: true; readonly value: string }
  | { readonly ok: false; readonly reason: 'blocked' | 'invalid' | 'unknown-type' }

export type ParsedAttribute =
  | { readonly kind: 'value'; readonly value: AttributeValue }
  | { readonly kind: 'empty' }
  | { readonly kind: 'dropped'; readonly reason: 'unknown-field' | 'type-mismatch' | 'too-long' }

/** The parts borrowed from the real code: how raw values become canonical ones. */
export interface ModelHooks {
  normalise(tenant: string, type: string, raw: string): NormalisedIdentifier
  parseAttribute(tenant: string, field: string, raw: RawAttributeValue): ParsedAttribute
}

export interface ModelAttribute {
  readonly value: AttributeValue
  readonly source: string
  readonly timestamp: number
  readonly sequence: number
  readonly eventId: string
}

export interface ModelNote {
  readonly eventId: string
  readonly timestamp: number
  readonly source: string
  readonly note: string
}

export interface ModelProfile {
  /** Model-local id: `${tenant}/${sequence of the creating event}`. */
  readonly id: string
  readonly tenant: string
  createdSequence: number
  createdAt: number
  anchor: string | null
  /** Normalised `type:value` keys of links (never the anchor). */
  links: Set<string>
  channels: Set<string>
  attributes: Map<string, ModelAttribute>
  timeline: ModelNote[]
  mergedFrom: Set<string>
}

export type ModelEffect =
  | {
      readonly kind: 'merged'
      readonly survivor: string
      readonly merged: string
      readonly via: string | null
    }
  | {
      readonly kind: 'reassigned'
      readonly link: string
      readonly from: string
      readonly to: string
    }
  | {
      readonly kind: 'merge-refused'
      readonly target: string
      readonly refused: string
      readonly limitType: string
    }
  | { readonly kind: 'deleted'; readonly profileId: string }

export interface ModelStep {
  readonly eventId: string
  readonly tenant: string
  readonly status: 'applied' | 'duplicate' | 'dead-lettered'
  readonly deadLetterReason: 'no-identifiers' | 'conflicting-anchors' | null
  readonly profileId: string | null
  readonly dropped: Array<{ key: string; reason: DropReason }>
  readonly droppedAttributes: Array<{
    field: string
    reason: 'unknown-field' | 'type-mismatch' | 'too-long'
  }>
  ambiguous: boolean
  readonly effects: ModelEffect[]
  /** Profiles whose snapshot the event published: the ones it changed visibly. */
  readonly shown: string[]
}

/** The model's view of the real config type: only what the rules use. */
export function modelTenantConfig(t: TenantIdentityConfig): ModelTenantConfig {
  return {
    types: Object.fromEntries(
      Object.entries(t.identifiers).map(([type, c]) => [
        type,
        {
          role: c.role,
          limit: c.role === 'anchor' ? 1 : (c.limit ?? Infinity),
          // The config says anchors outrank every link whatever their number says.
          priority: c.role === 'anchor' ? -Infinity : c.priority,
        },
      ]),
    ),
    fields: new Set(Object.keys(t.attributes)),
    sourcePriority: t.sourcePriority,
    timelineCap: t.timelineCap,
    suppressForgotten: t.suppressForgotten,
    idempotenceWindow: Math.max(1, Math.floor(t.idempotenceWindow)),
  }
}

export const keyOf = (type: string, value: string): string => `${type}:${value}`
export const typeOfKey = (key: string): string => key.slice(0, key.indexOf(':'))

/** Rule 7: does `candidate` beat `current` for one field? Empty values never reach here. */
export function beats(
  candidate: ModelAttribute,
  current: ModelAttribute,
  cfg: ModelTenantConfig,
): boolean {
  const rc = sourceRank(cfg, candidate.source)
  const ro = sourceRank(cfg, current.source)
  if (rc !== ro) return rc < ro
  if (candidate.timestamp !== current.timestamp) return candidate.timestamp > current.timestamp
  if (candidate.sequence !== current.sequence) return candidate.sequence > current.sequence
  return candidate.eventId > current.eventId
}

export function sourceRank(cfg: ModelTenantConfig, source: string): number {
  const i = cfg.sourcePriority.indexOf(source)
  return i === -1 ? cfg.sourcePriority.length : i
}

export function offerAttribute(
  p: ModelProfile,
  field: string,
  attr: ModelAttribute,
  cfg: ModelTenantConfig,
): void {
  const current = p.attributes.get(field)
  if (current === undefined || beats(attr, current, cfg)) p.attributes.set(field, attr)
}

/** Rule 8: newest first by event time, ties by eventId descending, capped. */
export function capTimeline(p: ModelProfile, cfg: ModelTenantConfig): void {
  p.timeline.sort(
    (a, b) =>
      b.timestamp - a.timestamp || (a.eventId < b.eventId ? 1 : a.eventId > b.eventId ? -1 : 0),
  )
  p.timeline = p.timeline.slice(0, cfg.timelineCap)
}

/** Adds the event's note (identify and note events; blank notes are none). True if it had one. */
export function addNote(p: ModelProfile, event: ContactEvent, cfg: ModelTenantConfig): boolean {
  if (event.note === null || event.note === undefined || event.note.trim() === '') return false
  p.timeline.push({
    eventId: event.eventId,
    timestamp: event.timestamp,
    source: event.source,
    note: event.note,
  })
  capTimeline(p, cfg)
  return true
}

/**
 * What a consumer of the changelog can see change (spec, "Outputs"): links and anchor, channels,
 * attribute values, the timeline, merged ids, createdAt. Not provenance or updatedAt alone.
 */
export function visibleSignature(p: ModelProfile): string {
  return JSON.stringify({
    anchor: p.anchor,
    links: [...p.links].sort(),
    channels: [...p.channels].sort(),
    attributes: [...p.attributes.keys()].sort().map((f) => [f, p.attributes.get(f)!.value]),
    // a note's time and source show too: a replayed eventId with a new time is a new entry
    timeline: p.timeline.map((n) => [n.eventId, n.timestamp, n.source, n.note]),
    mergedFrom: [...p.mergedFrom].sort(),
    createdAt: p.createdAt,
  })
}

/** A copy that later events do not change (attributes and notes are never changed in place). */
export function copyOf(p: ModelProfile): ModelProfile {
  return {
    ...p,
    links: new Set(p.links),
    channels: new Set(p.channels),
    attributes: new Map(p.attributes),
    timeline: [...p.timeline],
    mergedFrom: new Set(p.mergedFrom),
  }
}

export function isOlder(a: ModelProfile, b: ModelProfile): boolean {
  return (
    a.createdAt - b.createdAt < 0 ||
    (a.createdAt === b.createdAt && a.createdSequence < b.createdSequence)
  )
}

export function oldest(ps: ModelProfile[]): ModelProfile {
  return ps.reduce((best, p) => (isOlder(p, best) ? p : best))
}

/** docs/resolution-rules.md processing order: anchor, then links by priority, type, value. */
export function strongestFirst(cfg: ModelTenantConfig, a: string, b: string): number {
  const pa = priorityOf(cfg, a)
  const pb = priorityOf(cfg, b)
  if (pa !== pb) return pa < pb ? -1 : 1
  return a < b ? -1 : a > b ? 1 : 0
}

export function countOfType(p: ModelProfile, type: string): number {
  return [...p.links].filter((k) => typeOfKey(k) === type).length
}

export function limitOf(cfg: ModelTenantConfig, key: string): number {
  return cfg.types[typeOfKey(key)]?.limit ?? Infinity
}

export function priorityOf(cfg: ModelTenantConfig, key: string): number {
  return cfg.types[typeOfKey(key)]?.priority ?? Infinity
}

export function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)]
}
