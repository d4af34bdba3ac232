/**
 * A profile being changed by one event: a private view of a root record (records read from
 * state are shared and immutable). Copy-on-write: a list or map of the record is copied the
 * first time this event changes it, so an event that only touches attributes of a profile with
 * 20,000 links does not copy the links. Everything a merge, attachment or attribute update does
 * to one profile lives here; turning it back into a plain record is `toRecord`.
 */
import { provenanceWins } from './attributes.js'
import type { MergeEvidence, ProfileRecord } from './state-records.js'
import { capNote } from './text.js'
import type { CompiledTenant } from './tenant-rules.js'
import {
  addMember,
  addRetired,
  emptyMembership,
  firstChunk,
  removeMember,
  identifierRuns,
  mergeIdentifierRuns,
  mergeRetiredRuns,
  retiredRuns,
  unite,
  type Membership,
} from './membership.js'
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
  counts: Readonly<Record<string, number>>
  /** Identifiers and retired ids, in bounded chunks (membership.ts). */
  members: Membership
  channels: readonly string[]
  attributes: Readonly<Record<string, AttributeValue>>
  provenance: Readonly<Record<string, AttributeProvenance>>
  timeline: readonly TimelineEntry[]
  createdAt: number
  createdSequence: number
  updatedAt: number
  size: number
  /** Changed by this event: write its record. */
  dirty: boolean
  /**
   * Changed in something a consumer of the changelog sees (a link, the anchor, a channel, an
   * attribute's value, the timeline, a merge): also emit a snapshot (spec, "Outputs"). A newer
   * provenance for an unchanged value is dirty but not visible: stored, for survivorship, and
   * carried by the profile's next snapshot.
   */
  visible: boolean
  /** Which of the lists/maps above are this event's own copies (OWN_* bits). */
  owned: number
}

const OWN_COUNTS = 1
const OWN_CHANNELS = 2
const OWN_ATTRIBUTES = 4
const OWN_TIMELINE = 8
const OWN_ALL = 15

function ownCounts(p: WorkProfile): Record<string, number> {
  if ((p.owned & OWN_COUNTS) === 0) {
    p.counts = { ...p.counts }
    p.owned |= OWN_COUNTS
  }
  return p.counts as Record<string, number>
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

/** `members` is the record's membership with its chain (membershipOf). */
export function workFromRecord(rootId: string, r: ProfileRecord, members: Membership): WorkProfile {
  return {
    rootId,
    profileId: r.profileId,
    anchor: r.anchor,
    counts: r.counts,
    members,
    channels: r.channels,
    attributes: r.attributes,
    provenance: r.provenance,
    timeline: r.timeline,
    createdAt: r.createdAt,
    createdSequence: r.createdSequence,
    updatedAt: r.updatedAt,
    size: r.size,
    dirty: false,
    visible: false,
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
    counts: {},
    members: emptyMembership(),
    channels: [],
    attributes: {},
    provenance: {},
    timeline: [],
    createdAt: timestamp,
    createdSequence: sequence,
    updatedAt: timestamp,
    size: 1,
    dirty: true,
    visible: true,
    owned: OWN_ALL,
  }
}

export function toRecord(p: WorkProfile): ProfileRecord {
  return {
    type: 'profile',
    profileId: p.profileId,
    anchor: p.anchor,
    counts: p.counts,
    members: p.members.head.identifiers,
    retired: p.members.head.retired,
    retiredBy: p.members.head.retiredBy,
    next: firstChunk(p.members),
    chunkSeq: p.members.chunkSeq,
    channels: p.channels,
    attributes: p.attributes,
    provenance: p.provenance,
    timeline: p.timeline,
    createdAt: p.createdAt,
    createdSequence: p.createdSequence,
    updatedAt: p.updatedAt,
    size: p.size,
  }
}

/**
 * The full profile, as the changelog carries it. Its identifier and retired-id lists are O(size)
 * to assemble for a profile whose membership spans several chunks: those two fields are then
 * computed when first read (by the encoder of the changelog record), once, so the decision's own
 * cost stays independent of the size. They are own enumerable properties either way, in the
 * same key order, so every serialiser sees the same object.
 */
export function toSnapshot(
  tenant: string,
  r: ProfileRecord | WorkProfile,
  members: Membership,
): ProfileSnapshot {
  if (members.chain.length === 0) {
    // the inline chunk holds everything, sorted: shared, nothing to assemble
    return {
      tenant,
      profileId: r.profileId,
      anchor: r.anchor,
      identifiers: members.head.identifiers,
      channels: r.channels,
      attributes: r.attributes,
      provenance: r.provenance,
      timeline: r.timeline,
      mergedFrom: members.head.retired,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
    }
  }
  const idRuns = identifierRuns(members)
  const oldRuns = retiredRuns(members)
  let identifiers: readonly Identifier[] | null = null
  let mergedFrom: readonly string[] | null = null
  return {
    tenant,
    profileId: r.profileId,
    anchor: r.anchor,
    get identifiers() {
      return (identifiers ??= mergeIdentifierRuns(idRuns))
    },
    channels: r.channels,
    attributes: r.attributes,
    provenance: r.provenance,
    timeline: r.timeline,
    get mergedFrom() {
      return (mergedFrom ??= mergeRetiredRuns(oldRuns))
    },
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  }
}

function changedVisibly(p: WorkProfile): void {
  p.dirty = true
  p.visible = true
}

/** How many identifiers of `type` the profile holds. */
export function countType(p: WorkProfile, type: string): number {
  return p.counts[type] ?? 0
}

/**
 * The caller knows the set does not hold it yet (no link record names the set). `id` is stored
 * as is: a plain {type, value} object of this decision, never the event's own.
 */
export function addIdentifier(p: WorkProfile, id: Identifier): void {
  addMember(p.members, p.rootId, id)
  const counts = ownCounts(p)
  counts[id.type] = (counts[id.type] ?? 0) + 1
  changedVisibly(p)
}

export function removeIdentifier(p: WorkProfile, type: string, value: string): void {
  if (!removeMember(p.members, type, value)) return
  const counts = ownCounts(p)
  const n = (counts[type] ?? 1) - 1
  if (n > 0) counts[type] = n
  else delete counts[type]
  if (p.anchor !== null && p.anchor.type === type && p.anchor.value === value) p.anchor = null
  changedVisibly(p)
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
  changedVisibly(p)
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
  // the same value with a winning provenance: stored (it decides the next contest), not shown
  if (current === undefined || p.attributes[field] !== value) p.visible = true
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
  const note = capNote(entry.note, t.maxNoteLength)
  timeline.splice(i, 0, note === entry.note ? entry : { ...entry, note })
  if (timeline.length > t.timelineCap) timeline.length = t.timelineCap
  changedVisibly(p)
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
  const [keep, drop] = keepMergedRoot ? [merged, survivor] : [survivor, merged]
  const members = unite(keep.members, drop.members, keep.rootId)
  addRetired(members, keep.rootId, merged.profileId, evidence)
  const counts: Record<string, number> = { ...survivor.counts }
  for (const type in merged.counts) counts[type] = (counts[type] ?? 0) + (merged.counts[type] ?? 0)
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
  const older =
    merged.createdAt < survivor.createdAt ||
    (merged.createdAt === survivor.createdAt && merged.createdSequence < survivor.createdSequence)
  return {
    rootId: keep.rootId,
    profileId: survivor.profileId,
    anchor: survivor.anchor ?? merged.anchor,
    counts,
    members,
    channels,
    attributes,
    provenance,
    timeline,
    createdAt: older ? merged.createdAt : survivor.createdAt,
    createdSequence: older ? merged.createdSequence : survivor.createdSequence,
    updatedAt: Math.max(survivor.updatedAt, merged.updatedAt, evidence.by.timestamp),
    size: survivor.size + merged.size,
    dirty: true,
    visible: true,
    owned: OWN_ALL,
  }
}

/** "Oldest" (spec rule 6): earliest createdAt, then earliest creating sequence, then smaller id. */
export function isOlder(a: WorkProfile, b: WorkProfile): boolean {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt
  if (a.createdSequence !== b.createdSequence) return a.createdSequence < b.createdSequence
  return a.profileId < b.profileId
}
