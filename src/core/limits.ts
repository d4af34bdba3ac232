/**
 * Spec rule 5: limits per identifier type, the guard against "super-profiles". Every limit
 * check of the resolver is here: attaching or reassigning one link, and merging two profiles.
 */
import type { DecisionContext, PreparedIdentifier } from './decision-context.js'
import type { CompiledTenant } from './tenant-rules.js'
import { countType, type WorkProfile } from './work-profile.js'

/**
 * Whether `target` may take one more identifier of `id`'s type (attach or reassign). When it may
 * not, the identifier is dropped `limit-exceeded` in the event's outcome.
 */
export function admits(ctx: DecisionContext, target: WorkProfile, id: PreparedIdentifier): boolean {
  if (countType(target, id.kind.type) < id.kind.limit) return true
  ctx.dropped.push({ identifier: id.raw, reason: 'limit-exceeded' })
  return false
}

/**
 * Why merging `a` and `b` is refused: two anchors (`'anchor'`), or the first identifier type, in
 * config order, whose combined count would pass its limit. Null when the merge is allowed.
 */
export function mergeRefusal(t: CompiledTenant, a: WorkProfile, b: WorkProfile): string | null {
  if (a.anchor !== null && b.anchor !== null) return 'anchor'
  for (const kind of t.identifierTypes.values()) {
    if (kind.limit === Number.POSITIVE_INFINITY) continue
    if (countType(a, kind.type) + countType(b, kind.type) > kind.limit) return kind.type
  }
  return null
}
