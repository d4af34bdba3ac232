/**
 * The floor under the resolver on this runtime: what the least a state-keyed resolver must do
 * per event costs, with no rule at all. Per event it builds the keys the real core reads and
 * writes (seen marker, one link per identifier, the profile, the idempotence ring slot and the
 * tenant's counter), reads them from a Map of plain records, writes new link, profile (with a
 * capped timeline and the membership list) and ring records, and nothing else: no
 * normalisation, limits, merges, attribute provenance, evidence chains or changelog snapshot.
 * The core can only be slower than this; the ratio says how much of its cost is the rules.
 */
import type { ContactEvent, InputPosition } from '../../src/core/types.js'

interface FloorProfile {
  readonly profileId: string
  readonly attributes: Readonly<Record<string, unknown>>
  readonly timeline: readonly unknown[]
  readonly members: readonly unknown[]
}

export function floorLoop(
  items: Iterable<{ readonly event: ContactEvent; readonly position: InputPosition }>,
  ringSize: number,
  timelineCap: number,
): number {
  const state = new Map<string, unknown>()
  let applied = 0
  let events = 0
  for (const { event, position } of items) {
    events++
    const tenant = event.tenant
    const seen = `${tenant}\u001fe\u001f${event.eventId}`
    if (state.get(seen) !== undefined) continue
    let profileId: string | null = null
    const keys: string[] = []
    for (const id of event.identifiers) {
      const key = `${tenant}\u001fl\u001f${id.type}\u001f${id.value}`
      keys.push(key)
      const link = state.get(key) as { readonly profileId: string } | undefined
      if (link !== undefined) profileId = link.profileId
    }
    profileId ??= `p${position.sequence}`
    const profileKey = `${tenant}\u001fp\u001f${profileId}`
    const previous = state.get(profileKey) as FloorProfile | undefined
    const by = {
      eventId: event.eventId,
      timestamp: event.timestamp,
      source: event.source,
      sequence: position.sequence,
    }
    for (const key of keys) state.set(key, { type: 'link', profileId, attachedBy: by })
    const timeline = [by, ...(previous?.timeline ?? []).slice(0, timelineCap - 1)]
    state.set(profileKey, {
      profileId,
      attributes: { ...previous?.attributes, ...event.attributes },
      timeline,
      members: [...(previous?.members ?? []), ...event.identifiers],
    })
    const slot = applied++ % ringSize
    const slotKey = `${tenant}\u001fr\u001f${slot}`
    const evicted = state.get(slotKey) as { readonly eventId: string } | undefined
    if (evicted !== undefined) state.delete(`${tenant}\u001fe\u001f${evicted.eventId}`)
    state.set(slotKey, { type: 'seen-slot', eventId: event.eventId })
    state.set(seen, { type: 'seen', slot })
    state.set(`${tenant}\u001fm`, { type: 'tenant-meta', applied })
  }
  return events
}
