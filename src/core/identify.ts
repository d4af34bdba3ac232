/**
 * Spec rules 3–4 for one `identify` event, after normalisation, dead-letter checks and state
 * reads; the limits they consult (rule 5) are in limits.ts. Identifiers are handled strongest
 * priority first (the anchor, then links by priority, type, value), so limits and refusals never
 * depend on the order the event listed them in.
 */
import { parseAttributes } from './attributes.js'
import type { DecisionContext, PreparedIdentifier } from './decision-context.js'
import { admits, mergeRefusal } from './limits.js'
import type { DroppedAttribute } from './types.js'
import {
  addChannel,
  addIdentifier,
  addTimelineEntry,
  isOlder,
  newWorkProfile,
  removeIdentifier,
  setAttribute,
  touch,
  type WorkProfile,
} from './work-profile.js'

export interface IdentifyResult {
  readonly target: WorkProfile
  readonly ambiguous: boolean
  readonly droppedAttributes: readonly DroppedAttribute[]
}

function attach(ctx: DecisionContext, target: WorkProfile, id: PreparedIdentifier): void {
  if (!admits(ctx, target, id)) return
  addIdentifier(target, id.identifier)
  if (id.kind.role === 'anchor') target.anchor = id.identifier
  ctx.writeLink(id, target)
}

function tryMerge(
  ctx: DecisionContext,
  target: WorkProfile,
  other: WorkProfile,
  via: PreparedIdentifier,
  refused: WorkProfile[],
): void {
  if (refused.includes(other)) return
  const limitType = mergeRefusal(ctx.t, target, other)
  if (limitType !== null) {
    ctx.outputs.push({
      kind: 'merge-refused',
      tenant: ctx.tenant,
      target: target.profileId,
      refused: other.profileId,
      limitType,
      via: via.identifier,
      eventId: ctx.event.eventId,
      timestamp: ctx.event.timestamp,
    })
    refused.push(other)
    return
  }
  ctx.merge(target, other, via.identifier)
}

/** Rule 3: a link held by another anchored profile moves to the target (rule 5 permitting). */
function reassign(
  ctx: DecisionContext,
  target: WorkProfile,
  from: WorkProfile,
  id: PreparedIdentifier,
): void {
  if (!admits(ctx, target, id)) return
  removeIdentifier(from, id.identifier.type, id.identifier.value)
  addIdentifier(target, id.identifier)
  ctx.writeLink(id, target)
  ctx.outputs.push({
    kind: 'reassigned',
    tenant: ctx.tenant,
    link: id.identifier,
    from: from.profileId,
    to: target.profileId,
    eventId: ctx.event.eventId,
    timestamp: ctx.event.timestamp,
  })
}

function createProfile(ctx: DecisionContext, newProfileId: string): WorkProfile {
  const p = newWorkProfile(newProfileId, ctx.event.timestamp, ctx.position.sequence)
  ctx.adopt(p)
  return p
}

/**
 * `ids` are sorted strongest first and hold at most one anchor (checked before).
 * `newProfileId` is a free id, used only if the event creates a profile.
 */
export function decideIdentify(
  ctx: DecisionContext,
  ids: readonly PreparedIdentifier[],
  newProfileId: () => string,
): IdentifyResult {
  const anchor = ids[0] !== undefined && ids[0].kind.role === 'anchor' ? ids[0] : null
  let target: WorkProfile
  let ambiguous = false
  const refused: WorkProfile[] = [] // a handful at most: a list, not a set

  if (anchor !== null) {
    target = ctx.holderOf(anchor) ?? createProfile(ctx, newProfileId())
    if (target.anchor === null) attach(ctx, target, anchor)
    for (const id of ids) {
      if (id === anchor) continue
      const holder = ctx.holderOf(id)
      if (holder === null) attach(ctx, target, id)
      else if (holder === target) continue
      else if (holder.anchor === null) tryMerge(ctx, target, holder, id, refused)
      else reassign(ctx, target, holder, id)
    }
  } else {
    let oldest: WorkProfile | null = null
    let anchored: WorkProfile | null = null
    let anchoredCount = 0
    for (const id of ids) {
      const holder = ctx.holderOf(id)
      if (holder === null) continue
      if (oldest === null || isOlder(holder, oldest)) oldest = holder
      if (holder.anchor !== null && holder !== anchored) {
        // ids are strongest first: the first anchored holder is the strongest identifier's
        if (anchored === null) anchored = holder
        anchoredCount++
      }
    }
    ambiguous = anchoredCount >= 2
    target = anchored ?? oldest ?? createProfile(ctx, newProfileId())
    for (const id of ids) {
      const holder = ctx.holderOf(id)
      if (holder === null) attach(ctx, target, id)
      else if (holder === target) continue
      else if (holder.anchor === null) tryMerge(ctx, target, holder, id, refused)
      // another anchored profile (ambiguous case): merge nothing, move no link
    }
  }

  const { values, dropped } = parseAttributes(ctx.t, ctx.event.attributes)
  if (values.length > 0) {
    const prov = ctx.evidence
    for (const [field, value] of values) setAttribute(ctx.t, target, field, value, prov)
  }
  addChannel(target, ctx.event.source)
  const note = ctx.event.note
  if (note !== null && note !== undefined && note.trim().length > 0) {
    addTimelineEntry(ctx.t, target, {
      eventId: ctx.event.eventId,
      timestamp: ctx.event.timestamp,
      source: ctx.event.source,
      note,
    })
  }
  touch(target, ctx.event.timestamp)
  return { target, ambiguous, droppedAttributes: dropped }
}
