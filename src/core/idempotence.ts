/**
 * Spec rule 9, bounded: an eventId applied for the tenant within the last `idempotenceWindow`
 * applied events changes nothing and emits nothing. State: `tenant-meta.applied` counts applied
 * events (the ring's write position), a ring of eventIds stored RING_CHUNK slots to a
 * `seen-ring` record, and one `seen` mark per remembered eventId, deleted when its slot is
 * reused. A mark also keeps a hash of the event's normalised content, so that an eventId
 * repeated with other content (a producer reusing ids) is told apart: still a duplicate, no
 * effect, but reported. Marks written before the hash existed have none: plain duplicates.
 * The state prefetch (src/runtime/state-prefetch.ts) reads these keys ahead through this module.
 */
import type { DecisionContext, PreparedIdentifier } from './decision-context.js'
import { RING_CHUNK, seenKey, seenRingKey, tenantMetaKey } from './keys.js'
import { fmix, mixIn } from './profile-id.js'
import type { StateRecord } from './state-records.js'
import type { CompiledTenant } from './tenant-rules.js'
import type { ContactEvent } from './types.js'

/** Where the next applied event of a tenant goes in the ring. */
export interface RingPosition {
  readonly metaKey: string
  /** Events applied for the tenant so far. */
  readonly applied: number
  readonly slot: number
  /** The `seen-ring` record holding `slot`. */
  readonly ringKey: string
}

/** How an event relates to the eventIds remembered. */
export type Repeat = 'new' | 'duplicate' | 'conflicting-duplicate'

/** The keys rule 9 needs before anything else: the tenant's ring position and the event's mark. */
export function idempotenceKeys(tenant: string, eventId: string): string[] {
  return [tenantMetaKey(tenant), seenKey(tenant, eventId)]
}

export function ringPosition(
  t: CompiledTenant,
  tenant: string,
  meta: StateRecord | undefined,
): RingPosition {
  const applied = meta?.type === 'tenant-meta' ? meta.applied : 0
  const slot = applied % t.idempotenceWindow
  return { metaKey: tenantMetaKey(tenant), applied, slot, ringKey: seenRingKey(tenant, slot) }
}

/** The `seen-ring` records the next `count` applied events of a tenant will rewrite. */
export function ringKeysAhead(
  t: CompiledTenant,
  tenant: string,
  meta: StateRecord | undefined,
  count: number,
): string[] {
  const { applied } = ringPosition(t, tenant, meta)
  const keys: string[] = []
  const slots = Math.min(count, t.idempotenceWindow)
  for (let i = 0; i < slots; i += RING_CHUNK) {
    keys.push(seenRingKey(tenant, (applied + i) % t.idempotenceWindow))
  }
  keys.push(seenRingKey(tenant, (applied + slots - 1) % t.idempotenceWindow))
  return keys
}

/** `mark` is what state holds at the event's seen key; `content` the event's contentHash. */
export function repeatOf(mark: StateRecord | undefined, content: number): Repeat {
  if (mark?.type !== 'seen') return 'new'
  if (mark.content === undefined || mark.content === content) return 'duplicate'
  return 'conflicting-duplicate'
}

/**
 * Records the decided event as applied: takes the ring slot, deletes the mark of the eventId it
 * evicts, writes the event's mark and advances the ring position. The ring record is read as
 * the event found it (the decision's own earlier writes are not in the view).
 */
export function markApplied(ctx: DecisionContext, at: RingPosition, content: number): void {
  const { tenant, event } = ctx
  const ringRecord = ctx.view.get(at.ringKey)
  const ring = ringRecord?.type === 'seen-ring' ? ringRecord.eventIds : []
  const index = at.slot % RING_CHUNK
  const evicted = ring[index]
  if (evicted !== undefined && evicted !== event.eventId) ctx.write(seenKey(tenant, evicted), null)
  const eventIds = ring.slice()
  // a ring being filled grows one slot at a time; a shrunk window may leave a longer record
  eventIds[index] = event.eventId
  ctx.write(at.ringKey, { type: 'seen-ring', eventIds })
  ctx.write(seenKey(tenant, event.eventId), { type: 'seen', slot: at.slot, content })
  ctx.write(at.metaKey, { type: 'tenant-meta', applied: at.applied + 1 })
}

const US = '\u001f'
const RS = '\u001e'

/**
 * A 32-bit hash of what the event says once normalised: type, source, timestamp, note, the
 * usable identifiers (strongest first, each once) and the attributes (by field name). Two
 * deliveries of one event hash alike; the same eventId with other content almost surely not
 * (murmur3-style, not cryptographic: a conflict goes unnoticed with odds of 1 in 4 billion,
 * which is enough for a counter that points at a producer bug, and keeps the mark small).
 */
export function contentHash(event: ContactEvent, ids: readonly PreparedIdentifier[]): number {
  let text = (event.type ?? 'identify') + US + event.source + US + String(event.timestamp) + US
  text += event.note === null || event.note === undefined ? RS : 'n' + event.note
  for (const id of ids) text += RS + id.kind.type + US + id.value
  const attributes = event.attributes ?? {}
  for (const field of Object.keys(attributes).sort()) {
    const value = attributes[field]
    text += RS + field + US + typeof value + US + String(value)
  }
  let h = 0x9747b28c | 0
  for (let i = 0; i < text.length; i++) h = mixIn(h, text.charCodeAt(i))
  return fmix(h ^ text.length)
}
