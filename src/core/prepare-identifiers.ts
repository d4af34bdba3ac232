/**
 * Spec rule 1 for one event: normalise every identifier (identifiers.ts, deny-list.ts), drop
 * what cannot identify anyone, remove repeats, and order the rest strongest first, so every
 * later rule sees the same list whatever order the event listed them in.
 */
import type { PreparedIdentifier } from './decision-context.js'
import { normalizeIdentifier, type NormalizedIdentifier } from './identifiers.js'
import { linkKey } from './keys.js'
import type { CompiledTenant } from './tenant-rules.js'
import type { DroppedIdentifier, Identifier } from './types.js'

export interface PreparedIdentifiers {
  /** Usable identifiers, each once, strongest first (priority, then type, then value). */
  readonly ids: PreparedIdentifier[]
  /** Identifiers dropped by normalisation, in event order (later rules append to this list). */
  readonly dropped: DroppedIdentifier[]
}

export function prepareIdentifiers(
  t: CompiledTenant,
  tenant: string,
  raws: readonly Identifier[],
): PreparedIdentifiers {
  const dropped: DroppedIdentifier[] = []
  const ids: PreparedIdentifier[] = []
  // repeats: a linear scan for the usual handful of identifiers, a set for bulk events
  let keys: Set<string> | null = null
  for (const raw of raws) {
    const r = normalizeIdentifier(t.identifierTypes, raw?.type, raw?.value)
    if (!r.ok) {
      const reported =
        typeof raw?.type === 'string' && typeof raw.value === 'string'
          ? raw
          : { type: String(raw?.type ?? ''), value: String(raw?.value ?? '') }
      dropped.push({ identifier: reported, reason: r.reason })
      continue
    }
    const key = linkKeyOf(r, tenant)
    if (keys === null && ids.length >= 16) keys = new Set(ids.map((id) => id.key))
    if (keys !== null ? keys.has(key) : ids.some((id) => id.key === key)) continue
    keys?.add(key)
    ids.push({
      kind: r.kind,
      value: r.value,
      key,
      identifier: r.identifier,
      raw,
    })
  }
  sortStrongestFirst(ids)
  return { ids, dropped }
}

/**
 * The verdict's link key, built once per value and tenant: the same string object then reaches
 * every Map lookup of the event (view, overlay, read cache) already flat and hashed.
 */
function linkKeyOf(r: NormalizedIdentifier, tenant: string): string {
  if (r.keyTenant !== tenant) {
    r.key = linkKey(tenant, r.kind.type, r.value)
    r.keyTenant = tenant
  }
  return r.key
}

/**
 * In place, by insertion: an event names a handful of identifiers, and Array.prototype.sort
 * allocates its work space on every call (a bulk event still sorts in n² comparisons of at
 * most the identifier limit of a few hundred).
 */
function sortStrongestFirst(ids: PreparedIdentifier[]): void {
  if (ids.length > 32) {
    ids.sort(strongestFirst)
    return
  }
  for (let i = 1; i < ids.length; i++) {
    const id = ids[i] as PreparedIdentifier
    let j = i - 1
    while (j >= 0 && strongestFirst(ids[j] as PreparedIdentifier, id) > 0) {
      ids[j + 1] = ids[j] as PreparedIdentifier
      j--
    }
    ids[j + 1] = id
  }
}

function strongestFirst(a: PreparedIdentifier, b: PreparedIdentifier): number {
  if (a.kind.priority !== b.kind.priority) return a.kind.priority < b.kind.priority ? -1 : 1
  if (a.kind.type !== b.kind.type) return a.kind.type < b.kind.type ? -1 : 1
  if (a.value !== b.value) return a.value < b.value ? -1 : 1
  return 0
}
