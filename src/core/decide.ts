/**
 * One event → one Decision, as a pipeline of the spec's rules; each rule lives in one module
 * (docs/resolution-rules.md, "Where each rule lives"):
 * validate and dead-letter (dead-letters.ts, rule 2) → normalise (prepare-identifiers.ts,
 * rule 1) → read round 1 (read-rounds.ts) → idempotence (idempotence.ts, rule 9) → suppressed
 * identifiers → read round 2+ (profiles behind the links) → the event kind's rules
 * (identify.ts, maintenance-events.ts) → mark the event applied (rule 9).
 */
import { DecisionContext, type PreparedIdentifier } from './decision-context.js'
import { deadLetter, invalidReason, unresolvable } from './dead-letters.js'
import {
  checkRepeat,
  contentHash,
  expectedRingKeys,
  markApplied,
  ringPosition,
  type RepeatCheck,
  type RingPosition,
} from './idempotence.js'
import { decideIdentify } from './identify.js'
import { profileKey, tenantMetaKey } from './keys.js'
import { decideForget, decideNote, decideUnlink } from './maintenance-events.js'
import { prepareIdentifiers } from './prepare-identifiers.js'
import { profileIdFor } from './profile-id.js'
import { firstCandidateId, firstRoundKeys, predictsNewProfile } from './read-rounds.js'
import type { SeenIndexes, TenantSeenIndex } from './seen-index.js'
import type { Decision, StateReader } from './state.js'
import type { StateRecord } from './state-records.js'
import { StateView } from './state-view.js'
import type { CompiledTenant, CompiledTenants } from './tenant-rules.js'
import type {
  ContactEvent,
  DroppedAttribute,
  DroppedIdentifier,
  EventOutcome,
  InputPosition,
} from './types.js'

const NONE: readonly never[] = []

type Result = Decision<StateRecord>

/** What the event kind's rules decided, for the outcome. */
interface KindResult {
  readonly profileId: string | null
  readonly ambiguous: boolean
  readonly droppedAttributes: readonly DroppedAttribute[]
}

/**
 * Decides one event. A Decision when every read it needs is already in the reader's memory (the
 * usual, prefetched event), a promise only when a read round had to wait: no promise per event
 * and step for the runtime to await.
 */
export function decideEvent(
  tenants: CompiledTenants,
  seen: SeenIndexes,
  event: ContactEvent,
  position: InputPosition,
  state: StateReader<StateRecord>,
): Result | Promise<Result> {
  // before any rule: a well-formed event of a configured tenant
  const invalid = invalidReason(event, position)
  if (invalid !== null) return deadLetter(event, 'invalid-event', invalid)
  const t = tenants.get(event.tenant)
  if (t === null) return deadLetter(event, 'invalid-event', 'tenant is not configured')
  // rule 1: normalise; rule 2: nothing usable or two anchors
  const { ids, dropped } = prepareIdentifiers(t, event.tenant, event.identifiers)
  const unusable = unresolvable(event, ids, dropped)
  if (unusable !== null) return unusable
  // rule 9: a remembered eventId changes nothing
  const content = contentHash(event, ids)
  const view = new StateView(state)
  const e: EventInProgress = { t, seen, event, position, view, ids, dropped, content }
  const reading = readFirstRound(
    view,
    event,
    ids,
    expectedRingKeys(seen, t, event.tenant, event.eventId),
  )
  return reading === undefined ? afterFirstRound(e) : reading.then(() => afterFirstRound(e))
}

/** What the steps after round 1 share (built once per event, continued sync or async). */
interface EventInProgress {
  readonly t: CompiledTenant
  readonly seen: SeenIndexes
  readonly event: ContactEvent
  readonly position: InputPosition
  readonly view: StateView
  readonly ids: PreparedIdentifier[]
  readonly dropped: DroppedIdentifier[]
  readonly content: number
}

function afterFirstRound(e: EventInProgress): Result | Promise<Result> {
  const { t, event, view } = e
  const ring = ringPosition(t, event.tenant, view.get(tenantMetaKey(event.tenant)))
  const check = checkRepeat(view, e.seen, t, event.tenant, ring, event.eventId, e.content)
  return check instanceof Promise
    ? check.then((c) => afterRepeatCheck(e, ring, c))
    : afterRepeatCheck(e, ring, check)
}

function afterRepeatCheck(
  e: EventInProgress,
  ring: RingPosition,
  { repeat, index }: RepeatCheck,
): Result | Promise<Result> {
  const { event, dropped } = e
  if (repeat !== 'new') return duplicate(event, repeat === 'conflicting-duplicate')
  // forgotten identifiers (suppressForgotten)
  const usable = withoutSuppressed(e.view, e.ids, dropped)
  if (usable.length === 0)
    return deadLetter(event, 'no-identifiers', 'every identifier is suppressed', dropped)
  // rules 3–8 and the other kinds, on the profiles read in round 2
  const ctx = new DecisionContext(e.t, event, e.position, e.view, dropped)
  const reading = readProfiles(ctx, usable)
  if (typeof reading !== 'string') {
    return reading.then((candidate) =>
      decideAndMark(ctx, usable, candidate, ring, e.content, index),
    )
  }
  return decideAndMark(ctx, usable, reading, ring, e.content, index)
}

function decideAndMark(
  ctx: DecisionContext,
  usable: readonly PreparedIdentifier[],
  candidate: string,
  ring: RingPosition,
  content: number,
  index: TenantSeenIndex,
): Result | Promise<Result> {
  const deciding = decideKind(ctx, usable, candidate)
  return deciding instanceof Promise
    ? deciding.then((result) => markAndReturn(ctx, result, ring, content, index))
    : markAndReturn(ctx, deciding, ring, content, index)
}

function markAndReturn(
  ctx: DecisionContext,
  result: KindResult | null,
  ring: RingPosition,
  content: number,
  index: TenantSeenIndex,
): Result {
  // unreachable: invalidReason admits the four kinds only
  if (result === null) return deadLetter(ctx.event, 'invalid-event', 'unknown event type')
  // rule 9: mark the event applied
  markApplied(ctx, ring, content, index)
  return applied(ctx, result)
}

/** Round 1: the links of the event's identifiers, the tenant's ring position and ring records. */
function readFirstRound(
  view: StateView,
  event: ContactEvent,
  ids: readonly PreparedIdentifier[],
  ringKeys: readonly string[],
): Promise<void> | undefined {
  const linkKeys = ids.map((id) => id.key)
  const keys = firstRoundKeys(event.tenant, linkKeys)
  for (const key of ringKeys) keys.push(key)
  return view.load(keys)
}

/** Identifiers forgotten with `suppressForgotten` are dropped `suppressed`. */
function withoutSuppressed(
  view: StateView,
  ids: PreparedIdentifier[],
  dropped: DroppedIdentifier[],
): PreparedIdentifier[] {
  if (!ids.some((id) => view.get(id.key)?.type === 'suppressed')) return ids
  return ids.filter((id) => {
    if (view.get(id.key)?.type !== 'suppressed') return true
    dropped.push({ identifier: id.raw, reason: 'suppressed' })
    return false
  })
}

/**
 * Read round 2 (and more for long chains): the roots and membership of the profiles the links
 * name, and the new profile id when the link records show the event creates a profile (an
 * identify event naming nothing held; with an anchor, when the anchor is not held).
 * Returns that predicted id, or '' when none was predicted; a promise only when a read had to
 * wait (a promise per step and event is garbage the usual, cached event need not make).
 */
function readProfiles(
  ctx: DecisionContext,
  ids: readonly PreparedIdentifier[],
): string | Promise<string> {
  const { view, tenant, event } = ctx
  const heldIds: string[] = []
  for (const id of ids) {
    const rec = view.get(id.key)
    if (rec?.type === 'link') heldIds.push(rec.profileId)
  }
  // the same prediction the prefetch reads ahead with (read-rounds.ts)
  const predictedNew = predictsNewProfile(event.type, ids, (key) => view.get(key)?.type === 'link')
  const candidate = predictedNew ? firstCandidateId(tenant, event.eventId) : ''
  // (the ring record was read by rule 9)
  const extraKeys = predictedNew ? [profileKey(tenant, candidate)] : []
  const roots = view.findRoots(tenant, heldIds, extraKeys, ctx)
  if (roots instanceof Map) return withChains(ctx, roots, candidate)
  return roots.then((found) => withChains(ctx, found, candidate))
}

function withChains(
  ctx: DecisionContext,
  roots: DecisionContext['roots'],
  candidate: string,
): string | Promise<string> {
  ctx.roots = roots
  const chains = roots.size > 0 ? ctx.view.loadChains(ctx.tenant, roots.values()) : undefined
  return chains === undefined ? candidate : chains.then(() => candidate)
}

/** The event kind's rules: identify (rules 3–8), unlink, note, forget. */
function decideKind(
  ctx: DecisionContext,
  ids: readonly PreparedIdentifier[],
  candidate: string,
): KindResult | null | Promise<KindResult | null> {
  const type = ctx.event.type ?? 'identify'
  switch (type) {
    case 'identify': {
      if (!createsProfile(ctx, ids)) return identify(ctx, ids, '')
      const free = freeProfileId(ctx, candidate)
      return typeof free === 'string'
        ? identify(ctx, ids, free)
        : free.then((newId) => identify(ctx, ids, newId))
    }
    case 'unlink': {
      const holder = decideUnlink(ctx, ids)
      ctx.finish(null)
      return kindResult(holder?.profileId ?? null)
    }
    case 'note': {
      const subject = decideNote(ctx, ids)
      ctx.finish(subject)
      return kindResult(subject?.profileId ?? null)
    }
    case 'forget': {
      const profileId = decideForget(ctx, ids)
      ctx.finish(null)
      return kindResult(profileId)
    }
    default: {
      const unreachable: never = type
      void unreachable
      return null
    }
  }
}

function identify(
  ctx: DecisionContext,
  ids: readonly PreparedIdentifier[],
  newId: string,
): KindResult {
  const r = decideIdentify(ctx, ids, () => newId)
  ctx.finish(r.target)
  const { ambiguous, droppedAttributes } = r
  return { profileId: r.target.profileId, ambiguous, droppedAttributes }
}

function kindResult(profileId: string | null): KindResult {
  return { profileId, ambiguous: false, droppedAttributes: NONE }
}

/** Whether an identify event creates a profile: nothing it names is held (or not its anchor). */
function createsProfile(ctx: DecisionContext, ids: readonly PreparedIdentifier[]): boolean {
  const anchor = ids[0]?.kind.role === 'anchor' ? ids[0] : null
  return anchor !== null
    ? ctx.holderOf(anchor) === null
    : ids.every((id) => ctx.holderOf(id) === null)
}

/**
 * Rule 10: the first ordinal of the event's ids not in state. `candidate` is ordinal 0 when
 * round 2 predicted the creation, else '' (a link naming a vanished profile): read it now.
 * A reused eventId (outside the idempotence window) can name an existing profile.
 */
function freeProfileId(ctx: DecisionContext, candidate: string): string | Promise<string> {
  // the usual case: round 2 read the predicted id, and it is free
  if (candidate !== '' && ctx.view.get(profileKey(ctx.tenant, candidate)) === undefined)
    return candidate
  return searchProfileId(ctx, candidate)
}

async function searchProfileId(ctx: DecisionContext, candidate: string): Promise<string> {
  const { view, tenant, event } = ctx
  let ordinal = 0
  let id = candidate
  if (id === '') {
    id = profileIdFor(tenant, event.eventId, ordinal)
    await view.load([profileKey(tenant, id)])
  }
  while (view.get(profileKey(tenant, id)) !== undefined) {
    id = profileIdFor(tenant, event.eventId, ++ordinal)
    await view.load([profileKey(tenant, id)])
  }
  return id
}

function duplicate(event: ContactEvent, conflicting: boolean): Result {
  return {
    writes: NONE,
    outputs: NONE,
    outcome: outcome(
      event,
      'duplicate',
      { profileId: null, ambiguous: false, droppedAttributes: NONE },
      NONE,
      conflicting,
    ),
  }
}

function applied(ctx: DecisionContext, result: KindResult): Result {
  const writes = new Array<{ key: string; value: StateRecord | null }>(ctx.writes.size)
  let i = 0
  for (const key of ctx.writes.keys()) writes[i++] = { key, value: ctx.writes.get(key) ?? null }
  return {
    writes,
    outputs: ctx.outputs,
    outcome: outcome(ctx.event, 'applied', result, ctx.dropped, false),
  }
}

function outcome(
  event: ContactEvent,
  status: EventOutcome['status'],
  result: KindResult,
  dropped: readonly DroppedIdentifier[],
  conflictingDuplicate: boolean,
): EventOutcome {
  return {
    eventId: event.eventId,
    tenant: event.tenant,
    status,
    profileId: result.profileId,
    dropped,
    droppedAttributes: result.droppedAttributes,
    ambiguous: result.ambiguous,
    conflictingDuplicate,
  }
}
