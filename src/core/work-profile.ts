/**
 * A profile being changed by one event: a private view of a root record (records read from
 * state are shared and immutable). Copy-on-write: a list or map of the record is copied the
 * first time this event changes it, so an event that only touches attributes of a profile with
 * 20,000 links does not copy the links. Everything a merge, attachment or attribute update does
 * to one profile lives here; turning it back into a plain record is `toRecord`.
 */
import { provenanceWins } from './attributes.js'
import type { MergeEvidence, ProfileRecord } from './state-records.js'
import type { CompiledTenant } from './tenant-rules.js'
import type {
  AttributeProvenance,
  AttributeValue,
  Identifier,
  ProfileSnapshot,
  TimelineEntry,
} from './types.js'

export interface WorkProfile {
  /** The id whose profile key stores this set's root record. */
  rootId: string
  profileId: string
  anchor: Identifier | null
  identifiers: readonly Identifier[]
  channels: readonly string[]
  attributes: Readonly<Record<string, AttributeValue>>
  provenance: Readonly<Record<string, AttributeProvenance>>
  timeline: readonly TimelineEntry[]
  mergedFrom: readonly string[]
  createdAt: number
  createdSequence: number
  updatedAt: number
  size: number
  merges: readonly MergeEvidence[]
  /** Changed by this event: write it and emit a snapshot. */
  dirty: boolean
  /** Which of the lists/maps above are this event's own copies (OWN_* bits). */
  owned: number
}

const OWN_IDENTIFIERS = 1
const OWN_CHANNELS = 2
const OWN_ATTRIBUTES = 4
const OWN_TIMELINE = 8
const OWN_ALL = 15

function ownIdentifiers(p: WorkProfile): Identifier[] {
  if ((p.owned & OWN_IDENTIFIERS) === 0) {
    p.identifiers = p.identifiers.slice()
    p.owned |= OWN_IDENTIFIERS
  }
  return p.identifiers as Identifier[]
}

function ownChannels(p: WorkProfile): string[] {
  if ((p.owned & OWN_CHANNELS) === 0) {
    p.channels = p.channels.slice()
    p.owned |= OWN_CHANNELS
  }
  return p.channels as string[]
}

function ownAttributes(p: WorkProfile): {
  attributes: Record<string, AttributeValue>
  provenance: Record<string, AttributeProvenance>
} {
  if ((p.owned & OWN_ATTRIBUTES) === 0) {
    p.attributes = { ...p.attributes }
    p.provenance = { ...p.provenance }
    p.owned |= OWN_ATTRIBUTES
  }
  return p as {
    attributes: Record<string, AttributeValue>
    provenance: Record<string, AttributeProvenance>
  }
}

function ownTimeline(p: WorkProfile): TimelineEntry[] {
  if ((p.owned & OWN_TIMELINE) === 0) {
    p.timeline = p.timeline.slice()
    p.owned |= OWN_TIMELINE
  }
  return p.timeline as TimelineEntry[]
}

export function workFromRecord(rootId: string, r: ProfileRecord): WorkProfile {
  return {
    rootId,
    profileId: r.profileId,
    anchor: r.anchor,
    identifiers: r.identifiers,
    channels: r.channels,
    attributes: r.attributes,
    provenance: r.provenance,
    timeline: r.timeline,
    mergedFrom: r.mergedFrom,
    createdAt: r.createdAt,
    createdSequence: r.createdSequence,
    updatedAt: r.updatedAt,
    size: r.size,
    merges: r.merges,
    dirty: false,
    owned: 0,
  }
}

export function newWorkProfile(
  profileId: string,
  timestamp: number,
  sequence: number,
): WorkProfile {
  return {
    rootId: profileId,
    profileId,
    anchor: null,
    identifiers: [],
    channels: [],
    attributes: {},
    provenance: {},
    timeline: [],
    mergedFrom: [],
    createdAt: timestamp,
    createdSequence: sequence,
    updatedAt: timestamp,
    size: 1,
    merges: [],
    dirty: true,
    owned: OWN_ALL,
  }
}

export function toRecord(p: WorkProfile): ProfileRecord {
  return {
    type: 'profile',
    profileId: p.profileId,
    anchor: p.anchor,
    identifiers: p.identifiers,
    channels: p.channels,
    attributes: p.attributes,
    provenance: p.provenance,
    timeline: p.timeline,
    mergedFrom: p.mergedFrom,
    createdAt: p.createdAt,
    createdSequence: p.createdSequence,
    updatedAt: p.updatedAt,
    size: p.size,
    merges: p.merges,
  }
}

export function toSnapshot(tenant: string, r: ProfileRecord | WorkProfile): ProfileSnapshot {
  return {
    tenant,
    profileId: r.profileId,
    anchor: r.anchor,
    identifiers: r.identifiers,
    channels: r.channels,
    attributes: r.attributes,
    provenance: r.provenance,
    timeline: r.timeline,
    mergedFrom: r.mergedFrom,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  }
}

function compareIdentifiers(a: Identifier, b: Identifier): number {
  if (a.type !== b.type) return a.type < b.type ? -1 : 1
  if (a.value !== b.value) return a.value < b.value ? -1 : 1
  return 0
}

/** Two sorted, disjoint identifier lists as one sorted list, in linear time. */
function mergeSorted(a: readonly Identifier[], b: readonly Identifier[]): Identifier[] {
  // A small set merging into a large one (the usual case): copy the large list (a memcpy) and
  // insert the few, instead of comparing every element.
  if (Math.min(a.length, b.length) <= 32) {
    const [large, small] = a.length >= b.length ? [a, b] : [b, a]
    const out = large.slice()
    for (const id of small) out.splice(lowerBound(out, id.type, id.value), 0, id)
    return out
  }
  // built with push: a preallocated (holey) array serialises differently in some codecs
  const out: Identifier[] = []
  let i = 0
  let j = 0
  while (i < a.length && j < b.length) {
    const x = a[i] as Identifier
    const y = b[j] as Identifier
    if (compareIdentifiers(x, y) <= 0) {
      out.push(x)
      i++
    } else {
      out.push(y)
      j++
    }
  }
  while (i < a.length) out.push(a[i++] as Identifier)
  while (j < b.length) out.push(b[j++] as Identifier)
  return out
}

/** First index whose identifier is >= (type, value). */
function lowerBound(list: readonly Identifier[], type: string, value: string): number {
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    const m = list[mid] as Identifier
    if (m.type < type || (m.type === type && m.value < value)) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** How many identifiers of `type` the profile holds (binary search: profiles may hold many). */
export function countType(p: WorkProfile, type: string): number {
  const start = lowerBound(p.identifiers, type, '')
  let end = start
  while (end < p.identifiers.length && (p.identifiers[end] as Identifier).type === type) end++
  return end - start
}

export function addIdentifier(p: WorkProfile, id: Identifier): void {
  const i = lowerBound(p.identifiers, id.type, id.value)
  const at = p.identifiers[i]
  if (at !== undefined && at.type === id.type && at.value === id.value) return
  ownIdentifiers(p).splice(i, 0, { type: id.type, value: id.value })
  p.dirty = true
}

export function removeIdentifier(p: WorkProfile, type: string, value: string): void {
  const i = lowerBound(p.identifiers, type, value)
  const at = p.identifiers[i]
  if (at === undefined || at.type !== type || at.value !== value) return
  ownIdentifiers(p).splice(i, 1)
  if (p.anchor !== null && p.anchor.type === type && p.anchor.value === value) p.anchor = null
  p.dirty = true
}

function insertSorted(list: string[], value: string): boolean {
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((list[mid] as string) < value) lo = mid + 1
    else hi = mid
  }
  if (list[lo] === value) return false
  list.splice(lo, 0, value)
  return true
}

export function addChannel(p: WorkProfile, source: string): void {
  if (p.channels.includes(source)) return
  insertSorted(ownChannels(p), source)
  p.dirty = true
}

export function setAttribute(
  t: CompiledTenant,
  p: WorkProfile,
  field: string,
  value: AttributeValue,
  prov: AttributeProvenance,
): void {
  const current = p.provenance[field]
  if (current !== undefined && !provenanceWins(t, prov, current)) return
  const own = ownAttributes(p)
  own.attributes[field] = value
  own.provenance[field] = prov
  p.dirty = true
}

/** Newest first; equal timestamps by eventId, descending, so the order is total. */
function newerFirst(a: TimelineEntry, b: TimelineEntry): number {
  if (a.timestamp !== b.timestamp) return b.timestamp - a.timestamp
  if (a.eventId !== b.eventId) return a.eventId < b.eventId ? 1 : -1
  return 0
}

export function addTimelineEntry(t: CompiledTenant, p: WorkProfile, entry: TimelineEntry): void {
  let i = 0
  while (i < p.timeline.length && newerFirst(p.timeline[i] as TimelineEntry, entry) <= 0) i++
  if (i >= t.timelineCap) return
  const timeline = ownTimeline(p)
  timeline.splice(i, 0, entry)
  if (timeline.length > t.timelineCap) timeline.length = t.timelineCap
  p.dirty = true
}

export function touch(p: WorkProfile, timestamp: number): void {
  if (timestamp > p.updatedAt) p.updatedAt = timestamp
}

/**
 * The set of `survivor` and `merged` as one profile. The public id, anchor and survivorship
 * come from `survivor`; every field is picked by the same rule as for new values, so the result
 * does not depend on which side survived. The physically kept root is the larger set's (union
 * by size); the caller turns the other root into a pointer.
 */
export function combine(
  t: CompiledTenant,
  survivor: WorkProfile,
  merged: WorkProfile,
  evidence: MergeEvidence,
): WorkProfile {
  const keepMergedRoot = merged.size > survivor.size
  const identifiers = mergeSorted(survivor.identifiers, merged.identifiers)
  const channels = survivor.channels.slice()
  for (const c of merged.channels) insertSorted(channels, c)
  const attributes = { ...survivor.attributes }
  const provenance = { ...survivor.provenance }
  for (const field in merged.provenance) {
    const mp = merged.provenance[field] as AttributeProvenance
    const sp = provenance[field]
    if (sp === undefined || provenanceWins(t, mp, sp)) {
      attributes[field] = merged.attributes[field] as AttributeValue
      provenance[field] = mp
    }
  }
  const timeline = survivor.timeline.concat(merged.timeline).sort(newerFirst)
  if (timeline.length > t.timelineCap) timeline.length = t.timelineCap
  const mergedFrom = survivor.mergedFrom.concat(merged.mergedFrom)
  mergedFrom.push(merged.profileId)
  mergedFrom.sort()
  const older =
    merged.createdAt < survivor.createdAt ||
    (merged.createdAt === survivor.createdAt && merged.createdSequence < survivor.createdSequence)
  return {
    rootId: keepMergedRoot ? merged.rootId : survivor.rootId,
    profileId: survivor.profileId,
    anchor: survivor.anchor ?? merged.anchor,
    identifiers,
    channels,
    attributes,
    provenance,
    timeline,
    mergedFrom,
    createdAt: older ? merged.createdAt : survivor.createdAt,
    createdSequence: older ? merged.createdSequence : survivor.createdSequence,
    updatedAt: Math.max(survivor.updatedAt, merged.updatedAt, evidence.by.timestamp),
    size: survivor.size + merged.size,
    merges: survivor.merges.concat(merged.merges, [evidence]).sort(byEventOrder),
    dirty: true,
    owned: OWN_ALL,
  }
}

function byEventOrder(a: MergeEvidence, b: MergeEvidence): number {
  if (a.by.sequence !== b.by.sequence) return a.by.sequence - b.by.sequence
  return a.merged < b.merged ? -1 : a.merged > b.merged ? 1 : 0
}

/** "Oldest" (spec rule 6): earliest createdAt, then earliest creating sequence, then smaller id. */
export function isOlder(a: WorkProfile, b: WorkProfile): boolean {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt
  if (a.createdSequence !== b.createdSequence) return a.createdSequence < b.createdSequence
  return a.profileId < b.profileId
}
