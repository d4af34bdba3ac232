/**
 * "Why are these two identifiers in one profile, or why not?" from committed state alone.
 * Together: the events that joined them, i.e. each identifier's attachment and the merges that
 * carried each one's profile id up to the id where the two chains meet (merges after that point
 * did not join them). Apart: the first decision, in this order, that keeps them apart:
 *  1. a reassignment: one identifier came into the other's profile by a merge (the merge's
 *     `via`) and a later event attached it where it is now (spec rule 3);
 *  2. different anchors: a profile holds at most one anchor, no event can merge the two;
 *  3. a limit: the two together would hold more identifiers of a type than its limit allows,
 *     so any merge of them is refused (rule 5);
 *  4. not connected: nothing in state joins them (no merge between the two sets, no identifier
 *     that left one for the other) and no rule keeps them apart.
 * State keeps a link's latest attachment only: a reassignment and an unlink followed by a new
 * attachment look the same, and 1. names the later event in both cases.
 * Read-only; identifiers must be normalised already (profile-read.ts normalizeQuery).
 */
import { linkKey } from './keys.js'
import { mergesToLive, readSet, type HeldIdentifier, type LiveSet } from './profile-read.js'
import type { StateReader } from './state.js'
import type { Evidence, StateRecord } from './state-records.js'
import { StateView } from './state-view.js'
import type { CompiledTenant } from './tenant-rules.js'
import type { Identifier } from './types.js'

/** One event on the way that joined two identifiers. */
export interface ExplainStep {
  readonly action: 'attached' | 'merged'
  readonly eventId: string
  readonly source: string
  readonly timestamp: number
  readonly sequence: number
  /** attached: the identifier attached; merged: the identifier the merge went through. */
  readonly identifier: Identifier | null
  /** attached: the profile id it was attached to; merged: the survivor. */
  readonly profileId: string
  /** merged: the id merged away; attached: null. */
  readonly merged: string | null
}

export type ApartReason =
  | {
      readonly kind: 'reassigned'
      /** The identifier that left. */
      readonly identifier: Identifier
      readonly from: string
      readonly to: string
      /** The event that moved it. */
      readonly by: Evidence
    }
  | { readonly kind: 'different-anchors'; readonly anchors: readonly [Identifier, Identifier] }
  | {
      readonly kind: 'limit'
      readonly identifierType: string
      readonly limit: number
      /** Identifiers of that type each profile holds. */
      readonly held: readonly [number, number]
    }
  | { readonly kind: 'not-connected' }

/** One side of the question, with the live profile that holds it. */
export interface HeldBy extends HeldIdentifier {
  readonly profileId: string
}

export type PairExplanation =
  | {
      readonly kind: 'together'
      readonly profileId: string
      readonly a: HeldBy
      readonly b: HeldBy
      /** Oldest first (input order). */
      readonly steps: readonly ExplainStep[]
    }
  | { readonly kind: 'apart'; readonly a: HeldBy; readonly b: HeldBy; readonly reason: ApartReason }
  /** One or both identifiers are held by no profile. */
  | { readonly kind: 'unheld'; readonly identifiers: readonly Identifier[] }

interface Side {
  readonly held: HeldBy
  readonly set: LiveSet
}

async function side(view: StateView, tenant: string, identifier: Identifier): Promise<Side | null> {
  const key = linkKey(tenant, identifier.type, identifier.value)
  await view.load([key])
  const link = view.get(key)
  if (link?.type !== 'link') return null
  const set = await readSet(view, tenant, link.profileId)
  if (set === null) return null
  return {
    set,
    held: {
      identifier,
      profileId: set.record.profileId,
      attachedTo: link.profileId,
      attachedBy: link.attachedBy,
      merges: mergesToLive(set, link.profileId),
    },
  }
}

export async function explainPair(
  t: CompiledTenant,
  tenant: string,
  a: Identifier,
  b: Identifier,
  state: StateReader<StateRecord>,
): Promise<PairExplanation> {
  const view = new StateView(state)
  await view.load([linkKey(tenant, a.type, a.value), linkKey(tenant, b.type, b.value)])
  const sa = await side(view, tenant, a)
  const sb = await side(view, tenant, b)
  if (sa === null || sb === null) {
    const unheld: Identifier[] = []
    if (sa === null) unheld.push(a)
    if (sb === null && !(sa === null && sameIdentifier(a, b))) unheld.push(b)
    return { kind: 'unheld', identifiers: unheld }
  }
  if (sa.held.profileId === sb.held.profileId)
    return {
      kind: 'together',
      profileId: sa.held.profileId,
      a: sa.held,
      b: sb.held,
      steps: joiningSteps(sa.held, sb.held),
    }
  return { kind: 'apart', a: sa.held, b: sb.held, reason: apartReason(t, sa, sb) }
}

function joiningSteps(a: HeldIdentifier, b: HeldIdentifier): ExplainStep[] {
  const pathOf = (h: HeldIdentifier) => [h.attachedTo, ...h.merges.map((m) => m.survivor)]
  const bPath = new Set(pathOf(b))
  const meet = pathOf(a).find((id) => bPath.has(id)) ?? null
  const steps = new Map<string, ExplainStep>()
  for (const h of sameIdentifier(a.identifier, b.identifier) ? [a] : [a, b]) {
    steps.set(`a|${h.identifier.type}|${h.identifier.value}`, {
      action: 'attached',
      ...evidence(h.attachedBy),
      identifier: h.identifier,
      profileId: h.attachedTo,
      merged: null,
    })
    let current = h.attachedTo
    for (const m of h.merges) {
      if (current === meet) break
      steps.set(`m|${m.merged}`, {
        action: 'merged',
        ...evidence(m.by),
        identifier: m.via,
        profileId: m.survivor,
        merged: m.merged,
      })
      current = m.survivor
    }
  }
  return [...steps.values()].sort(
    (x, y) =>
      x.sequence - y.sequence ||
      (x.eventId < y.eventId ? -1 : x.eventId > y.eventId ? 1 : 0) ||
      (x.action === y.action ? 0 : x.action === 'attached' ? -1 : 1),
  )
}

function evidence(e: Evidence): Pick<ExplainStep, 'eventId' | 'source' | 'timestamp' | 'sequence'> {
  return { eventId: e.eventId, source: e.source, timestamp: e.timestamp, sequence: e.sequence }
}

function apartReason(t: CompiledTenant, a: Side, b: Side): ApartReason {
  const moved = reassignedAway(a, b) ?? reassignedAway(b, a)
  if (moved !== null) return moved
  const anchorA = a.set.record.anchor
  const anchorB = b.set.record.anchor
  if (anchorA !== null && anchorB !== null)
    return { kind: 'different-anchors', anchors: [anchorA, anchorB] }
  for (const kind of t.identifierTypes.values()) {
    if (kind.limit === Number.POSITIVE_INFINITY) continue
    const na = a.set.record.counts[kind.type] ?? 0
    const nb = b.set.record.counts[kind.type] ?? 0
    if (na + nb > kind.limit)
      return { kind: 'limit', identifierType: kind.type, limit: kind.limit, held: [na, nb] }
  }
  return { kind: 'not-connected' }
}

/**
 * `x` left `other`'s profile: a merge into `other` went through x, and x's current attachment
 * is a later event (a link is rewritten only when it moves, spec rule 3).
 */
function reassignedAway(x: Side, other: Side): ApartReason | null {
  const id = x.held.identifier
  for (const c of [other.set.members.head, ...other.set.members.chain])
    for (const m of c.retiredBy) {
      if (m.via === null || !sameIdentifier(m.via, id)) continue
      if (m.by.sequence >= x.held.attachedBy.sequence) continue
      return {
        kind: 'reassigned',
        identifier: id,
        from: other.held.profileId,
        to: x.held.profileId,
        by: x.held.attachedBy,
      }
    }
  return null
}

function sameIdentifier(a: Identifier, b: Identifier): boolean {
  return a.type === b.type && a.value === b.value
}
