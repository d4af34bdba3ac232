/**
 * The event kinds that change an existing profile without resolving identity: unlink, note and
 * forget. None of them creates or merges profiles.
 */
import type { DecisionContext, PreparedIdentifier } from './decision-context.js'
import { chunkKey, profileKey } from './keys.js'
import { forEachIdentifier, sortedRetired } from './membership.js'
import {
  addChannel,
  addTimelineEntry,
  removeIdentifier,
  touch,
  type WorkProfile,
} from './work-profile.js'

/**
 * The profile a note or forget is about: the holder of the event's strongest identifier that is
 * held (the anchor first). Identifiers held by other profiles are ignored: a note or a deletion
 * never spreads to a second person through a shared link.
 */
export function subjectOf(
  ctx: DecisionContext,
  ids: readonly PreparedIdentifier[],
): WorkProfile | null {
  for (const id of ids) {
    const holder = ctx.holderOf(id)
    if (holder !== null) return holder
  }
  return null
}

/** Detaches each link from whichever profile holds it; anchors cannot be unlinked. */
export function decideUnlink(
  ctx: DecisionContext,
  ids: readonly PreparedIdentifier[],
): WorkProfile | null {
  let first: WorkProfile | null = null
  for (const id of ids) {
    if (id.kind.role === 'anchor') {
      ctx.dropped.push({ identifier: id.raw, reason: 'anchor-not-linkable' })
      continue
    }
    const holder = ctx.holderOf(id)
    if (holder === null) continue
    removeIdentifier(holder, id.identifier.type, id.identifier.value)
    touch(holder, ctx.event.timestamp)
    ctx.write(id.key, null)
    first ??= holder
  }
  return first
}

export function decideNote(
  ctx: DecisionContext,
  ids: readonly PreparedIdentifier[],
): WorkProfile | null {
  const subject = subjectOf(ctx, ids)
  if (subject === null) return null
  const note = ctx.event.note
  if (note === null || note === undefined || note.trim().length === 0) return subject
  addTimelineEntry(ctx.t, subject, {
    eventId: ctx.event.eventId,
    timestamp: ctx.event.timestamp,
    source: ctx.event.source,
    note,
  })
  addChannel(subject, ctx.event.source)
  touch(subject, ctx.event.timestamp)
  return subject
}

/**
 * Right to be forgotten: the root record and every id of the set (live and retired) become
 * `forgotten` markers (no personal data; they keep the ids from being issued again), its
 * identifiers are freed or suppressed. Returns the forgotten profile id.
 */
export function decideForget(
  ctx: DecisionContext,
  ids: readonly PreparedIdentifier[],
): string | null {
  const subject = subjectOf(ctx, ids)
  if (subject === null) return null
  const suppress = ctx.t.suppressForgotten
  forEachIdentifier(subject.members, (id) => {
    const key = ctx.linkKeyOf(id.type, id.value)
    ctx.write(key, suppress ? { type: 'suppressed', suppressedBy: ctx.evidence } : null)
  })
  const gone = { type: 'forgotten', forgottenBy: ctx.evidence } as const
  ctx.write(profileKey(ctx.tenant, subject.rootId), gone)
  ctx.write(profileKey(ctx.tenant, subject.profileId), gone)
  // the merge evidence (it names identifiers) lives in the chunks deleted here
  for (const retired of sortedRetired(subject.members))
    ctx.write(profileKey(ctx.tenant, retired), gone)
  for (const c of subject.members.chain) ctx.write(chunkKey(ctx.tenant, c.id as string), null)
  for (const id of subject.members.removed) ctx.write(chunkKey(ctx.tenant, id), null)
  subject.dirty = false
  subject.visible = false
  ctx.outputs.push({
    kind: 'deleted',
    tenant: ctx.tenant,
    profileId: subject.profileId,
    suppressed: suppress,
    eventId: ctx.event.eventId,
    timestamp: ctx.event.timestamp,
  })
  ctx.outputs.push({
    kind: 'profile',
    tenant: ctx.tenant,
    profileId: subject.profileId,
    profile: null,
  })
  return subject.profileId
}
