/**
 * The Profile API's answers as JSON (their schemas: schemas.ts), and the conversions from the
 * core's read results. Times are epoch milliseconds, as in profiles.ndjson.
 */
import type { ApartReason, ExplainStep } from '../core/explain-pair.js'
import type { Evidence, MergeEvidence } from '../core/state-records.js'
import type { Identifier, ProfileSnapshot, TimelineEntry } from '../core/types.js'
import type { ExportedProfile } from '../state/profiles.js'
import type { ApiErrorCode } from './errors.js'
import type { HistoryEntry } from './history.js'

export interface EvidenceJson {
  readonly eventId: string
  readonly source: string
  readonly timestamp: number
}

export interface MergeJson extends EvidenceJson {
  readonly survivor: string
  readonly merged: string
  readonly via: Identifier | null
}

/**
 * A profiles.ndjson line plus `provenance`: for each attribute, the event whose value it holds
 * (resolution rule 7).
 */
export interface ProfileJson extends ExportedProfile {
  readonly provenance: Readonly<Record<string, EvidenceJson>>
}

export interface ProfileAnswer extends ProfileJson {
  /** Present when the requested id was merged away: it and the merges to this profile. */
  readonly resolvedFrom?: { readonly retiredId: string; readonly chain: readonly MergeJson[] }
}

export interface IdentifierAnswer extends ProfileJson {
  /** The identifier as the tenant's normalisation made it. */
  readonly matched: Identifier
}

export interface IdentifiersAnswer {
  readonly tenant: string
  readonly profileId: string
  readonly identifiers: ReadonlyArray<
    Identifier & {
      readonly attachedTo: string
      readonly attachedBy: EvidenceJson
      readonly merges: readonly MergeJson[]
    }
  >
  readonly departed: ReadonlyArray<
    Identifier & {
      readonly kind: 'reassigned' | 'detached'
      readonly arrived: MergeJson
      readonly heldBy: string | null
      readonly movedBy: EvidenceJson | null
    }
  >
}

export interface HistoryAnswer {
  readonly tenant: string
  readonly profileId: string
  readonly entries: readonly HistoryEntry[]
}

export interface SideJson extends Identifier {
  readonly profileId: string
  readonly attachedTo: string
  readonly attachedBy: EvidenceJson
  readonly merges: readonly MergeJson[]
}

export interface StepJson extends EvidenceJson {
  readonly action: ExplainStep['action']
  readonly identifier: Identifier | null
  readonly profileId: string
  readonly merged: string | null
}

export interface ReasonJson {
  readonly kind: ApartReason['kind']
  readonly message: string
  readonly identifier?: Identifier
  readonly from?: string
  readonly to?: string
  readonly eventId?: string
  readonly source?: string
  readonly timestamp?: number
  readonly anchors?: readonly Identifier[]
  readonly identifierType?: string
  readonly limit?: number
  readonly held?: readonly number[]
}

export type ExplainAnswer =
  | {
      readonly together: true
      readonly profileId: string
      readonly a: SideJson
      readonly b: SideJson
      readonly steps: readonly StepJson[]
    }
  | {
      readonly together: false
      readonly a: SideJson
      readonly b: SideJson
      readonly reason: ReasonJson
    }

/** At most this many identifiers per batchGet. */
export const BATCH_GET_MAX = 1000

/** One entry of a batchGet answer, aligned with the request's identifiers. */
export type BatchGetResult = Identifier &
  (
    | { readonly status: 200; readonly profile: IdentifierAnswer }
    | {
        readonly status: 404 | 422
        readonly error: { readonly code: ApiErrorCode; readonly message: string }
      }
  )

/** The profiles.ndjson line of `unifier resolve` (src/state/profiles.ts). */
export function exported(p: ProfileSnapshot): ProfileJson {
  return {
    tenant: p.tenant,
    profileId: p.profileId,
    anchor: p.anchor,
    identifiers: p.identifiers,
    channels: p.channels,
    attributes: p.attributes,
    timeline: p.timeline,
    mergedFrom: p.mergedFrom,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    provenance: Object.fromEntries(
      Object.entries(p.provenance).map(([field, e]) => [field, evidenceJson(e)]),
    ),
  }
}

export function evidenceJson(e: Evidence): EvidenceJson {
  return { eventId: e.eventId, source: e.source, timestamp: e.timestamp }
}

export function mergeJson(m: MergeEvidence): MergeJson {
  return { survivor: m.survivor, merged: m.merged, via: m.via, ...evidenceJson(m.by) }
}

export function sideJson(h: {
  readonly identifier: Identifier
  readonly profileId: string
  readonly attachedTo: string
  readonly attachedBy: Evidence
  readonly merges: readonly MergeEvidence[]
}): SideJson {
  return {
    type: h.identifier.type,
    value: h.identifier.value,
    profileId: h.profileId,
    attachedTo: h.attachedTo,
    attachedBy: evidenceJson(h.attachedBy),
    merges: h.merges.map(mergeJson),
  }
}

const shown = (i: Identifier): string => `${i.type} ${i.value}`

export function reasonJson(r: ApartReason): ReasonJson {
  switch (r.kind) {
    case 'reassigned':
      return {
        kind: r.kind,
        message: `${shown(r.identifier)} was in ${r.from} and moved to ${r.to} at event ${r.by.eventId} (an anchored profile claimed it, resolution rule 3)`,
        identifier: r.identifier,
        from: r.from,
        to: r.to,
        ...evidenceJson(r.by),
      }
    case 'different-anchors':
      return {
        kind: r.kind,
        message: `the two profiles have different anchors (${shown(r.anchors[0])}, ${shown(r.anchors[1])}); a profile holds at most one`,
        anchors: r.anchors,
      }
    case 'limit':
      return {
        kind: r.kind,
        message: `together they would hold ${r.held[0] + r.held[1]} ${r.identifierType} identifiers, over the limit of ${r.limit}: a merge is refused (resolution rule 5)`,
        identifierType: r.identifierType,
        limit: r.limit,
        held: r.held,
      }
    case 'not-connected':
      return {
        kind: r.kind,
        message:
          'nothing in the state joins them: no merge between their profiles, no identifier that left one for the other, no rule that keeps them apart',
      }
  }
}

/** One search result (GET /search); `matched`: the fields that made it match. */
export interface SearchResultJson {
  readonly profileId: string
  readonly score: number
  readonly identifiers: readonly Identifier[]
  readonly attributes: ProfileSnapshot['attributes']
  /** `identifier:<type>` or `attribute:<name>`, in the order found. */
  readonly matched: readonly string[]
}

export interface SearchAnswer {
  readonly results: readonly SearchResultJson[]
  readonly nextCursor: string | null
}

export interface TimelineAnswer {
  readonly tenant: string
  readonly profileId: string
  readonly entries: readonly TimelineEntry[]
  readonly nextCursor: string | null
}
