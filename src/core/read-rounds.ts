/**
 * Which state keys an event reads, round by round, so that the core (decide.ts) and the
 * runtime's read-ahead (src/runtime/state-prefetch.ts) cannot drift apart:
 * (1) the tenant's ring position and the event's seen mark (rule 9) and every identifier's link
 *     key; a duplicate stops here;
 * (2) the idempotence ring record, the profiles the links name and, when the link records show
 *     the event will create a profile, its first candidate id (rule 10);
 * (3+) only for union-find chains longer than one hop, the membership chunks of large profiles,
 *     or a profile id collision.
 */
import { idempotenceKeys } from './idempotence.js'
import { profileKey } from './keys.js'
import { profileIdFor } from './profile-id.js'

/** Round 1. */
export function firstRoundKeys(
  tenant: string,
  eventId: string,
  linkKeys: Iterable<string>,
): string[] {
  const keys = idempotenceKeys(tenant, eventId)
  for (const key of linkKeys) keys.push(key)
  return keys
}

/** Round 2's guess for an event that creates a profile: the key of its ordinal-0 id. */
export function firstCandidateKey(tenant: string, eventId: string): string {
  return profileKey(tenant, profileIdFor(tenant, eventId, 0))
}
