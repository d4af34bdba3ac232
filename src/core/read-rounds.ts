/**
 * Which state keys an event reads, round by round, so that the core (decide.ts) and the
 * runtime's read-ahead (src/runtime/state-prefetch.ts) cannot drift apart:
 * (1) the tenant's ring position (rule 9) and every identifier's link key, and the ring records
 *     rule 9's in-memory index expects to read (idempotence.ts, `expectedRingKeys`: the next
 *     slot's, the last written slot's, the eventId's if the index names one; a stale index
 *     costs one more round to rebuild it); a duplicate stops here;
 * (2) the profiles the links name and, when the link records show the event will create a
 *     profile, its first candidate id (rule 10);
 * (3+) only for union-find chains longer than one hop, the membership chunks of large profiles,
 *     or a profile id collision.
 */
import type { PreparedIdentifier } from './decision-context.js'
import { idempotenceKeys } from './idempotence.js'
import { profileIdFor } from './profile-id.js'

/** Round 1. */
export function firstRoundKeys(tenant: string, linkKeys: readonly string[]): string[] {
  return [...idempotenceKeys(tenant), ...linkKeys]
}

/** Round 2's guess for an event that creates a profile: its ordinal-0 id (rule 10). */
export function firstCandidateId(tenant: string, eventId: string): string {
  return profileIdFor(tenant, eventId, 0)
}

/**
 * Whether round 2 reads the event's first candidate id: an identify event whose link records
 * (round 1) show it creates a profile, i.e. its anchor is not held or, without an anchor, none
 * of its identifiers is. The rule decide.ts's readProfiles applies; the prefetch uses it to
 * read candidate ids only for such events (a new id is almost never in state, and reading one
 * per event was most of the prefetch's keys).
 */
export function predictsNewProfile(
  type: string | undefined,
  ids: readonly PreparedIdentifier[],
  isLinked: (linkKey: string) => boolean,
): boolean {
  if ((type ?? 'identify') !== 'identify' || ids.length === 0) return false
  const anchor = ids[0]?.kind.role === 'anchor' ? ids[0] : null
  if (anchor !== null) return !isLinked(anchor.key)
  for (const id of ids) if (isLinked(id.key)) return false
  return true
}
