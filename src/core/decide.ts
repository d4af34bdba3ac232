/**
 * One event → one Decision: validation, normalisation (rule 1), dead-letters (rule 2),
 * idempotence (rule 9), the state reads, then the per-kind rules. Reads happen in batched
 * rounds: (1) tenant meta, seen-marker, every identifier's link key; (2) the idempotence ring
 * slot, the profiles the links name and, when the event will create a profile, its new id;
 * (3+) only for union-find chains longer than one hop, which path compression keeps rare.
 */
import { DecisionContext, type PreparedIdentifier } from './decision-context.js'
import { normalizeIdentifier } from './identifiers.js'
import { decideIdentify } from './identify.js'
import {
  KEY_SEPARATOR,
  RING_CHUNK,
  linkKey,
  profileKey,
  seenKey,
  seenRingKey,
  tenantMetaKey,
} from './keys.js'
import { decideForget, decideNote, decideUnlink } from './maintenance-events.js'
import { profileIdFor } from './profile-id.js'
import type { Decision, StateReader } from './state.js'
import type { StateRecord } from './state-records.js'
import { StateView } from './state-view.js'
import type { CompiledTenants } from './tenant-rules.js'
import type {
  ContactEvent,
  DeadLetterReason,
  DroppedAttribute,
  DroppedIdentifier,
  EventOutcome,
  InputPosition,
} from './types.js'

const NONE: readonly never[] = []

type Result = Decision<StateRecord>

function deadLetter(
  event: ContactEvent,
  reason: DeadLetterReason,
  detail: string,
  dropped: readonly DroppedIdentifier[] = NONE,
): Result {
  const tenant = typeof event?.tenant === 'string' ? event.tenant : null
  const eventId = typeof event?.eventId === 'string' ? event.eventId : null
  return {
    writes: NONE,
    outputs: [{ kind: 'dead-letter', tenant, eventId, reason, detail }],
    outcome: {
      eventId: eventId ?? '',
      tenant: tenant ?? '',
      status: 'dead-lettered',
      profileId: null,
      dropped,
      droppedAttributes: NONE,
      ambiguous: false,
    },
  }
}

/** Why the event cannot be processed at all, or null. Events may come from untyped JSON. */
function invalidReason(event: ContactEvent, position: InputPosition): string | null {
  if (typeof event !== 'object' || event === null) return 'event is not an object'
  if (typeof event.eventId !== 'string' || event.eventId.length === 0) return 'eventId is missing'
  if (typeof event.tenant !== 'string' || event.tenant.length === 0) return 'tenant is missing'
  if (event.tenant.includes(KEY_SEPARATOR)) return 'tenant contains a control character'
  if (typeof event.source !== 'string') return 'source is missing'
  if (typeof event.timestamp !== 'number' || !Number.isFinite(event.timestamp))
    return 'timestamp is not a number'
  if (!Array.isArray(event.identifiers)) return 'identifiers is not a list'
  if (event.note !== null && event.note !== undefined && typeof event.note !== 'string')
    return 'note is not text'
  if (
    event.attributes !== null &&
    event.attributes !== undefined &&
    typeof event.attributes !== 'object'
  )
    return 'attributes is not an object'
  if (typeof position?.sequence !== 'number' || !Number.isFinite(position.sequence))
    return 'input position has no sequence'
  switch (event.type ?? 'identify') {
    case 'identify':
    case 'unlink':
    case 'note':
    case 'forget':
      return null
    default:
      return `unknown event type ${String(event.type)}`
  }
}

function strongestFirst(a: PreparedIdentifier, b: PreparedIdentifier): number {
  if (a.kind.priority !== b.kind.priority) return a.kind.priority < b.kind.priority ? -1 : 1
  if (a.kind.type !== b.kind.type) return a.kind.type < b.kind.type ? -1 : 1
  if (a.value !== b.value) return a.value < b.value ? -1 : 1
  return 0
}

export async function decideEvent(
  tenants: CompiledTenants,
  event: ContactEvent,
  position: InputPosition,
  state: StateReader<StateRecord>,
): Promise<Result> {
  const invalid = invalidReason(event, position)
  if (invalid !== null) return deadLetter(event, 'invalid-event', invalid)
  const t = tenants.get(event.tenant)
  if (t === null) return deadLetter(event, 'invalid-event', 'tenant is not configured')
  const tenant = event.tenant
  const type = event.type ?? 'identify'

  // Rule 1: normalise, drop what cannot identify anyone.
  const dropped: DroppedIdentifier[] = []
  let ids: PreparedIdentifier[] = []
  // duplicates: a linear scan for the usual handful of identifiers, a set for bulk events
  let keys: Set<string> | null = null
  for (const raw of event.identifiers) {
    const r = normalizeIdentifier(t.identifierTypes, raw?.type, raw?.value)
    if (!r.ok) {
      const reported =
        typeof raw?.type === 'string' && typeof raw.value === 'string'
          ? raw
          : { type: String(raw?.type ?? ''), value: String(raw?.value ?? '') }
      dropped.push({ identifier: reported, reason: r.reason })
      continue
    }
    const key = linkKey(tenant, r.kind.type, r.value)
    if (keys === null && ids.length >= 16) keys = new Set(ids.map((id) => id.key))
    if (keys !== null ? keys.has(key) : ids.some((id) => id.key === key)) continue
    keys?.add(key)
    ids.push({
      kind: r.kind,
      value: r.value,
      key,
      identifier: { type: r.kind.type, value: r.value },
      raw,
    })
  }
  ids.sort(strongestFirst)

  // Rule 2: dead-letters.
  if (type !== 'unlink' && ids.length > 1 && ids[1]?.kind.role === 'anchor')
    return deadLetter(
      event,
      'conflicting-anchors',
      'the event names two different anchors',
      dropped,
    )
  if (ids.length === 0)
    return deadLetter(
      event,
      'no-identifiers',
      'no usable identifier left after normalisation',
      dropped,
    )

  const view = new StateView(state)
  const metaKey = tenantMetaKey(tenant)
  const eventSeenKey = seenKey(tenant, event.eventId)
  const round1 = [metaKey, eventSeenKey]
  for (const id of ids) round1.push(id.key)
  const reading = view.load(round1)
  if (reading !== undefined) await reading

  // Rule 9: an eventId already applied changes nothing and emits nothing.
  if (view.get(eventSeenKey)?.type === 'seen') {
    return {
      writes: NONE,
      outputs: NONE,
      outcome: outcome(event, 'duplicate', null, NONE, NONE, false),
    }
  }

  if (ids.some((id) => view.get(id.key)?.type === 'suppressed')) {
    ids = ids.filter((id) => {
      if (view.get(id.key)?.type !== 'suppressed') return true
      dropped.push({ identifier: id.raw, reason: 'suppressed' })
      return false
    })
    if (ids.length === 0)
      return deadLetter(event, 'no-identifiers', 'every identifier is suppressed', dropped)
  }

  const meta = view.get(metaKey)
  const applied = meta?.type === 'tenant-meta' ? meta.applied : 0
  const slot = applied % t.idempotenceWindow
  const ringKey = seenRingKey(tenant, slot)

  const ctx = new DecisionContext(t, event, position, view, dropped)
  const heldIds: string[] = []
  for (const id of ids) {
    const rec = view.get(id.key)
    if (rec?.type === 'link') heldIds.push(rec.profileId)
  }
  // An identify event creates a profile when nothing it names is held (with an anchor: when the
  // anchor is not). Predicted from the link records, the new id's key rides in this round.
  const anchorId = ids[0]?.kind.role === 'anchor' ? ids[0] : null
  const predictedNew =
    type === 'identify' &&
    (anchorId !== null ? view.get(anchorId.key)?.type !== 'link' : heldIds.length === 0)
  let ordinal = 0
  let candidate = predictedNew ? profileIdFor(tenant, event.eventId, ordinal) : ''
  const extraKeys = predictedNew ? [ringKey, profileKey(tenant, candidate)] : [ringKey]
  const roots = view.findRoots(tenant, heldIds, extraKeys, ctx)
  ctx.roots = roots instanceof Map ? roots : await roots
  const chains = ctx.roots.size > 0 ? view.loadChains(tenant, ctx.roots.values()) : undefined
  if (chains !== undefined) await chains

  let profileId: string | null
  let ambiguous = false
  let droppedAttributes: readonly DroppedAttribute[] = NONE
  switch (type) {
    case 'identify': {
      const creates =
        anchorId !== null
          ? ctx.holderOf(anchorId) === null
          : ids.every((id) => ctx.holderOf(id) === null)
      if (creates) {
        // a link naming a vanished profile: not predicted, so read the new id's key now
        if (candidate === '') {
          candidate = profileIdFor(tenant, event.eventId, ordinal)
          await view.load([profileKey(tenant, candidate)])
        }
        // A reused eventId (outside the idempotence window) could name an existing profile.
        while (view.get(profileKey(tenant, candidate)) !== undefined) {
          candidate = profileIdFor(tenant, event.eventId, ++ordinal)
          await view.load([profileKey(tenant, candidate)])
        }
      }
      const newId = candidate
      const r = decideIdentify(ctx, ids, () => newId)
      ctx.finish(r.target)
      profileId = r.target.profileId
      ambiguous = r.ambiguous
      droppedAttributes = r.droppedAttributes
      break
    }
    case 'unlink': {
      const holder = decideUnlink(ctx, ids)
      ctx.finish(null)
      profileId = holder?.profileId ?? null
      break
    }
    case 'note': {
      const subject = decideNote(ctx, ids)
      ctx.finish(subject)
      profileId = subject?.profileId ?? null
      break
    }
    case 'forget':
      profileId = decideForget(ctx, ids)
      ctx.finish(null)
      break
    default: {
      const unreachable: never = type
      return deadLetter(event, 'invalid-event', `unknown event type ${String(unreachable)}`)
    }
  }

  // Rule 9, bounded: a ring of the last `idempotenceWindow` eventIds per tenant.
  // The ring record as this event sees it: the decision's own earlier writes are not in the view.
  const ringRecord = view.get(ringKey)
  const ring = ringRecord?.type === 'seen-ring' ? ringRecord.eventIds : NONE
  const index = slot % RING_CHUNK
  const evicted = ring[index]
  if (evicted !== undefined && evicted !== event.eventId) ctx.write(seenKey(tenant, evicted), null)
  const eventIds = ring.slice()
  // a ring being filled grows one slot at a time; a shrunk window may leave a longer record
  eventIds[index] = event.eventId
  ctx.write(ringKey, { type: 'seen-ring', eventIds })
  ctx.write(eventSeenKey, { type: 'seen', slot })
  ctx.write(metaKey, { type: 'tenant-meta', applied: applied + 1 })

  const writes: Array<{ key: string; value: StateRecord | null }> = []
  for (const [key, value] of ctx.writes) writes.push({ key, value })
  return {
    writes,
    outputs: ctx.outputs,
    outcome: outcome(event, 'applied', profileId, ctx.dropped, droppedAttributes, ambiguous),
  }
}

function outcome(
  event: ContactEvent,
  status: EventOutcome['status'],
  profileId: string | null,
  dropped: readonly DroppedIdentifier[],
  droppedAttributes: readonly DroppedAttribute[],
  ambiguous: boolean,
): EventOutcome {
  return {
    eventId: event.eventId,
    tenant: event.tenant,
    status,
    profileId,
    dropped,
    droppedAttributes,
    ambiguous,
  }
}
