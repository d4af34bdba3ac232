import type { IdentityConfig } from '../core/config.js'
import { normalizeIdentifier } from '../core/identifiers.js'
import {
  RING_CHUNK,
  linkKey,
  parseKey,
  profileKey,
  seenKey,
  seenRingKey,
  tenantMetaKey,
} from '../core/keys.js'
import { profileIdFor } from '../core/profile-id.js'
import type { StateRecord } from '../core/state-records.js'
import { compileTenants } from '../core/tenant-rules.js'
import type { ContactEvent } from '../core/types.js'

/**
 * Guesses which state keys a window of events will read, so the batch resolver can ask the
 * store for all of them in one round trip instead of two or three per event. It mirrors the
 * core's first read rounds (src/core/decide.ts): tenant meta, seen-event and idempotence-ring
 * keys, link keys of the normalised identifiers, the candidate profile key; then the profile
 * chains behind the links found. Only a hint: a wrong guess costs a wasted read, never a wrong
 * decision, because the core still reads everything it needs through the overlay.
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
  const linkKeysSeen = new WeakMap<ContactEvent, string[]>()
  const linkKeysOf = (event: ContactEvent): string[] => {
    const known = linkKeysSeen.get(event)
    if (known !== undefined) return known
    const t = tenants.get(event.tenant)
    const keys: string[] = []
    if (t !== null && Array.isArray(event.identifiers)) {
      for (const raw of event.identifiers) {
        const r = normalizeIdentifier(t.identifierTypes, raw.type, raw.value)
        if (r.ok) keys.push(linkKey(event.tenant, r.kind.type, r.value))
      }
    }
    linkKeysSeen.set(event, keys)
    return keys
  }
  return {
    firstKeys(events) {
      const keys = new Set<string>()
      for (const event of events) {
        keys.add(tenantMetaKey(event.tenant))
        keys.add(seenKey(event.tenant, event.eventId))
        keys.add(profileKey(event.tenant, profileIdFor(event.tenant, event.eventId, 0)))
        for (const key of linkKeysOf(event)) keys.add(key)
      }
      return [...keys]
    },
    followUpKeys(events, read) {
      const keys = new Set<string>()
      const eventsPerTenant = new Map<string, number>()
      for (const event of events) {
        eventsPerTenant.set(event.tenant, (eventsPerTenant.get(event.tenant) ?? 0) + 1)
        for (const key of linkKeysOf(event)) {
          const link = read.get(key)
          if (link?.type === 'link') keys.add(profileKey(event.tenant, link.profileId))
        }
      }
      // The idempotence-ring records the window will overwrite: one per RING_CHUNK events.
      for (const [tenant, count] of eventsPerTenant) {
        const t = tenants.get(tenant)
        const meta = read.get(tenantMetaKey(tenant))
        const applied = meta?.type === 'tenant-meta' ? meta.applied : 0
        if (t === null) continue
        const slots = Math.min(count, t.idempotenceWindow)
        for (let i = 0; i < slots; i += RING_CHUNK) {
          keys.add(seenRingKey(tenant, (applied + i) % t.idempotenceWindow))
        }
        keys.add(seenRingKey(tenant, (applied + slots - 1) % t.idempotenceWindow))
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
