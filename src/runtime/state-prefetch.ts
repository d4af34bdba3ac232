import type { IdentityConfig } from '../core/config.js'
import type { PreparedIdentifier } from '../core/decision-context.js'
import { ringKeysAhead } from '../core/idempotence.js'
import { parseKey, profileKey, tenantMetaKey } from '../core/keys.js'
import { prepareIdentifiers } from '../core/prepare-identifiers.js'
import { firstCandidateId, firstRoundKeys, predictsNewProfile } from '../core/read-rounds.js'
import type { StateRecord } from '../core/state-records.js'
import { compileTenants } from '../core/tenant-rules.js'
import type { ContactEvent } from '../core/types.js'

/**
 * Guesses which state keys a window of events will read, so the batch resolver can ask the
 * store for all of them in one round trip instead of two or three per event. It asks the
 * core's src/core/read-rounds.ts and idempotence.ts for the keys of the first read rounds
 * (tenant meta and link keys; then the idempotence-ring records, and the candidate profile key
 * of the events the links show create a profile), then reads the profile chains behind the
 * links found. Only a hint: a wrong guess costs a wasted read, never a wrong decision, because
 * the core still reads everything it needs through the overlay.
 */
export interface StatePrefetcher {
  /** Keys the events will read before anything about the state is known. */
  firstKeys(events: readonly ContactEvent[]): string[]
  /** Keys worth reading next, given what the first keys held (profiles behind links). */
  followUpKeys(
    events: readonly ContactEvent[],
    read: ReadonlyMap<string, StateRecord | undefined>,
  ): string[]
  /**
   * The union-find parents of the profile ids that turned out to be merged away (pointer
   * records): a link keeps naming the id it was attached to, so on cold state every event
   * touching a merged profile would otherwise read its root alone, one store round trip each.
   */
  parentKeys(read: ReadonlyMap<string, StateRecord | undefined>): string[]
}

export function createStatePrefetcher(config: IdentityConfig): StatePrefetcher {
  const tenants = compileTenants(config)
  // Normalising (phones above all) is not free: do it once per event for both rounds.
  const idsSeen = new WeakMap<ContactEvent, readonly PreparedIdentifier[]>()
  const idsFor = (event: ContactEvent): readonly PreparedIdentifier[] => {
    const known = idsSeen.get(event)
    if (known !== undefined) return known
    const t = tenants.get(event.tenant)
    const ids =
      t !== null && Array.isArray(event.identifiers)
        ? prepareIdentifiers(t, event.tenant, event.identifiers).ids
        : []
    idsSeen.set(event, ids)
    return ids
  }
  return {
    firstKeys(events) {
      const keys = new Set<string>()
      for (const event of events) {
        const linkKeys = idsFor(event).map((id) => id.key)
        for (const key of firstRoundKeys(event.tenant, linkKeys)) keys.add(key)
      }
      return [...keys]
    },
    followUpKeys(events, read) {
      const keys = new Set<string>()
      const eventsPerTenant = new Map<string, number>()
      const isLinked = (key: string): boolean => read.get(key)?.type === 'link'
      for (const event of events) {
        const { tenant } = event
        eventsPerTenant.set(tenant, (eventsPerTenant.get(tenant) ?? 0) + 1)
        const ids = idsFor(event)
        for (const id of ids) {
          const link = read.get(id.key)
          if (link?.type === 'link') keys.add(profileKey(tenant, link.profileId))
        }
        // Rule 10's new id, only for the events the links show create a profile (the core's
        // own prediction); an event whose creating identifier an earlier event of the window
        // brings reads it in vain, one the prediction misses reads it itself.
        if (predictsNewProfile(event.type, ids, isLinked)) {
          keys.add(profileKey(tenant, firstCandidateId(tenant, event.eventId)))
        }
      }
      // The idempotence-ring records the window will check and overwrite: one per RING_CHUNK
      // events. (A rebuild of a stale rule-9 index, or a duplicate's hit, reads its own.)
      for (const [tenant, count] of eventsPerTenant) {
        const t = tenants.get(tenant)
        if (t === null) continue
        const meta = read.get(tenantMetaKey(tenant))
        for (const key of ringKeysAhead(t, tenant, meta, count)) keys.add(key)
      }
      return [...keys]
    },
    parentKeys(read) {
      const keys = new Set<string>()
      for (const [key, record] of read) {
        if (record?.type !== 'pointer') continue
        const parsed = parseKey(key)
        if (parsed?.kind === 'profile') keys.add(profileKey(parsed.tenant, record.parent))
      }
      return [...keys]
    },
  }
}
