/**
 * Spec rule 9, bounded: an eventId applied for the tenant within the last `idempotenceWindow`
 * applied events changes nothing and emits nothing. State: `tenant-meta.applied` counts applied
 * events (the ring's write position) and a ring of N slots, RING_CHUNK to a `seen-ring` record,
 * each slot holding an eventId and a hash of the event's normalised content, so that an eventId
 * repeated with other content (a producer reusing ids) is told apart: still a duplicate, no
 * effect, but reported. The ring records are the only durable form: "is this eventId in the
 * window?" is answered by an in-memory index derived from them (seen-index.ts), verified
 * against state on every use and rebuilt from the tenant's ring records when it is stale.
 *
 * State written before the ring kept hashes has a `seen` marker per remembered eventId (key
 * `e`) and ring records without `contents`: such slots still count (their eventIds are in the
 * ring), their marker is read only when a duplicate hits one (for its hash; none: a plain
 * duplicate), and deleted when the slot is reused, as before. Markers are never written.
 * The state prefetch (src/runtime/state-prefetch.ts) reads these keys ahead through this module.
 */
import type { DecisionContext, PreparedIdentifier } from './decision-context.js'
import { RING_CHUNK, seenKey, seenRingKey, tenantMetaKey } from './keys.js'
import { fmix, mixIn } from './profile-id.js'
import { TenantSeenIndex, type SeenIndexes } from './seen-index.js'
import type { SeenRingRecord, StateRecord } from './state-records.js'
import type { StateView } from './state-view.js'
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

/** The keys rule 9 needs before anything else: the tenant's ring position. */
export function idempotenceKeys(tenant: string): string[] {
  return [tenantMetaKey(tenant)]
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

/**
 * The `seen-ring` records the next `count` applied events of a tenant will check and rewrite:
 * the one holding the last written slot (the index's check) and those of the next slots.
 */
export function ringKeysAhead(
  t: CompiledTenant,
  tenant: string,
  meta: StateRecord | undefined,
  count: number,
): string[] {
  const { applied } = ringPosition(t, tenant, meta)
  const window = t.idempotenceWindow
  const keys: string[] = []
  if (applied > 0) keys.push(seenRingKey(tenant, (applied - 1) % window))
  const slots = Math.min(count, window)
  for (let i = 0; i < slots; i += RING_CHUNK) {
    keys.push(seenRingKey(tenant, (applied + i) % window))
  }
  keys.push(seenRingKey(tenant, (applied + slots - 1) % window))
  return keys
}

/** Every ring record holding a slot in use: what rebuilding the index reads. */
export function ringRecordKeys(t: CompiledTenant, tenant: string, applied: number): string[] {
  const filled = Math.min(applied, t.idempotenceWindow)
  const keys: string[] = []
  for (let slot = 0; slot < filled; slot += RING_CHUNK) keys.push(seenRingKey(tenant, slot))
  return keys
}

/**
 * Round 1's guess of the ring records `checkRepeat` reads, from the tenant's index (its ring
 * position, and the slot it names for the eventId): right whenever the index is current, so
 * that a duplicate is decided in one read round and a new event in two.
 */
export function expectedRingKeys(
  indexes: SeenIndexes,
  t: CompiledTenant,
  tenant: string,
  eventId: string,
): string[] {
  const index = indexes.get(tenant)
  const window = t.idempotenceWindow
  if (index === undefined || index.window !== window) return []
  const keys = [seenRingKey(tenant, index.applied % window)]
  if (index.applied > 0) keys.push(seenRingKey(tenant, (index.applied - 1) % window))
  const hit = index.slotOf(eventId)
  if (hit !== undefined) keys.push(seenRingKey(tenant, hit))
  return keys
}

/** What rule 9 found: the answer, and the tenant's index (current with state) to advance. */
export interface RepeatCheck {
  readonly repeat: Repeat
  readonly index: TenantSeenIndex
}

/**
 * Whether the event's eventId is in the window, and with which content. The index is trusted
 * only if it was built or advanced to the `applied` count state holds and state's last written
 * slot holds the eventId the index last saw; a hit only if its ring record holds the eventId.
 * Otherwise it is rebuilt from the tenant's ring records (⌈N/64⌉ reads): a stale index can
 * cost reads, never a wrong answer. The answer itself when every record it reads is in the
 * reader's memory; a promise only when a read had to wait.
 */
export function checkRepeat(
  view: StateView,
  indexes: SeenIndexes,
  t: CompiledTenant,
  tenant: string,
  at: RingPosition,
  eventId: string,
  content: number,
): RepeatCheck | Promise<RepeatCheck> {
  const window = t.idempotenceWindow
  let index = indexes.get(tenant)
  if (index !== undefined && (index.window !== window || index.applied !== at.applied)) {
    index = undefined
  }
  const lastSlot = at.applied > 0 ? (at.applied - 1) % window : -1
  const hit = index?.slotOf(eventId)
  const keys = [at.ringKey]
  if (lastSlot >= 0) keys.push(seenRingKey(tenant, lastSlot))
  if (hit !== undefined) keys.push(seenRingKey(tenant, hit))
  const reading = view.load(keys)
  const ask: RepeatQuestion = { view, indexes, t, tenant, at, eventId, content }
  return reading === undefined
    ? checkAgainstRing(ask, index, lastSlot, hit)
    : reading.then(() => checkAgainstRing(ask, index, lastSlot, hit))
}

/** checkRepeat's arguments, for its steps after a read. */
interface RepeatQuestion {
  readonly view: StateView
  readonly indexes: SeenIndexes
  readonly t: CompiledTenant
  readonly tenant: string
  readonly at: RingPosition
  readonly eventId: string
  readonly content: number
}

/** The index checked against the ring records just read, rebuilt if stale, then asked. */
function checkAgainstRing(
  ask: RepeatQuestion,
  current: TenantSeenIndex | undefined,
  lastSlot: number,
  hit: number | undefined,
): RepeatCheck | Promise<RepeatCheck> {
  const { view, tenant, eventId } = ask
  let index = current
  if (index !== undefined && lastSlot >= 0 && eventIdAt(view, tenant, lastSlot) !== index.last) {
    index = undefined
  }
  if (index !== undefined && hit !== undefined && eventIdAt(view, tenant, hit) !== eventId) {
    index = undefined
  }
  if (index !== undefined) return repeatIn(ask, index)
  const rebuilt = rebuild(view, ask.t, tenant, ask.at.applied)
  if (rebuilt instanceof Promise) {
    return rebuilt.then((built) => {
      ask.indexes.set(tenant, built)
      return repeatIn(ask, built)
    })
  }
  ask.indexes.set(tenant, rebuilt)
  return repeatIn(ask, rebuilt)
}

/** The answer of an index current with state. */
function repeatIn(ask: RepeatQuestion, index: TenantSeenIndex): RepeatCheck | Promise<RepeatCheck> {
  const { view, tenant, eventId, content } = ask
  const slot = index.slotOf(eventId)
  if (slot === undefined) return { repeat: 'new', index }
  const record = ringRecordAt(view, tenant, slot)
  const i = slot % RING_CHUNK
  const hash = record?.contents?.[i]
  if (typeof hash === 'number') {
    return { repeat: hash === content ? 'duplicate' : 'conflicting-duplicate', index }
  }
  // a slot written before the ring kept hashes: its `seen` marker may have one
  const markKey = seenKey(tenant, eventId)
  const marking = view.load([markKey])
  if (marking === undefined) return { repeat: markedRepeat(view.get(markKey), content), index }
  return marking.then(() => ({ repeat: markedRepeat(view.get(markKey), content), index }))
}

function rebuild(
  view: StateView,
  t: CompiledTenant,
  tenant: string,
  applied: number,
): TenantSeenIndex | Promise<TenantSeenIndex> {
  const keys = ringRecordKeys(t, tenant, applied)
  const reading = view.load(keys)
  if (reading !== undefined) return reading.then(() => buildFrom(view, t, keys, applied))
  return buildFrom(view, t, keys, applied)
}

function buildFrom(
  view: StateView,
  t: CompiledTenant,
  keys: readonly string[],
  applied: number,
): TenantSeenIndex {
  const records = keys.map((key) => {
    const record = view.get(key)
    return record?.type === 'seen-ring' ? record : undefined
  })
  return TenantSeenIndex.build(t.idempotenceWindow, applied, records)
}

function ringRecordAt(view: StateView, tenant: string, slot: number): SeenRingRecord | undefined {
  const record = view.get(seenRingKey(tenant, slot))
  return record?.type === 'seen-ring' ? record : undefined
}

function eventIdAt(view: StateView, tenant: string, slot: number): string | null {
  return ringRecordAt(view, tenant, slot)?.eventIds[slot % RING_CHUNK] ?? null
}

/** A legacy `seen` marker: its content hash if it kept one (else a plain duplicate). */
function markedRepeat(mark: StateRecord | undefined, content: number): Repeat {
  if (mark?.type !== 'seen' || mark.content === undefined || mark.content === content) {
    return 'duplicate'
  }
  return 'conflicting-duplicate'
}

/**
 * Records the decided event as applied: takes the ring slot (eventId and content hash),
 * deletes the legacy `seen` marker of the eventId it evicts if that slot predates the hashes,
 * advances the ring position and the index. The ring record is read as the event found it
 * (the decision's own earlier writes are not in the view).
 */
export function markApplied(
  ctx: DecisionContext,
  at: RingPosition,
  content: number,
  index: TenantSeenIndex,
): void {
  const { tenant, event } = ctx
  const ringRecord = ctx.view.get(at.ringKey)
  const ring = ringRecord?.type === 'seen-ring' ? ringRecord : undefined
  const eventIds = ring?.eventIds.slice() ?? []
  // null: a slot written before the ring kept hashes (its eventId has a `seen` marker)
  const contents: Array<number | null> = ring?.contents?.slice() ?? []
  const i = at.slot % RING_CHUNK
  const evicted = eventIds[i]
  if (evicted !== undefined && evicted !== event.eventId && (contents[i] ?? null) === null) {
    ctx.write(seenKey(tenant, evicted), null)
  }
  // a ring being filled grows one slot at a time; a shrunk window may leave a longer record
  eventIds[i] = event.eventId
  while (contents.length < eventIds.length) contents.push(null)
  contents[i] = content
  ctx.write(at.ringKey, { type: 'seen-ring', eventIds, contents })
  ctx.write(at.metaKey, { type: 'tenant-meta', applied: at.applied + 1 })
  index.advance(event.eventId, at.slot, evicted)
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
