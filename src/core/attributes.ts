/**
 * Spec rule 7: typed attributes with per-field provenance. One comparison decides every field,
 * for a new event value and for a merge alike: stronger source (sourcePriority), then later
 * event timestamp, then later input sequence, then the larger eventId (so two values always
 * have a winner and a merge does not depend on which profile survived). Empty values never
 * reach a profile, so they never overwrite.
 */
import type { AttributeType } from './config.js'
import { parseDatetime } from './datetime.js'
import { sourceRank, type CompiledTenant } from './tenant-rules.js'
import type {
  AttributeProvenance,
  AttributeValue,
  DroppedAttribute,
  RawAttributeValue,
} from './types.js'

const EMPTY = Symbol('empty')
const MISMATCH = Symbol('mismatch')
const TOO_LONG = Symbol('too-long')

function parseValue(
  type: AttributeType,
  raw: RawAttributeValue,
  maxLength: number,
): AttributeValue | typeof EMPTY | typeof MISMATCH | typeof TOO_LONG {
  if (raw === null || raw === undefined) return EMPTY
  if (typeof raw === 'string' && raw.trim().length === 0) return EMPTY
  switch (type) {
    case 'string':
      if (typeof raw === 'string') {
        const v = raw.trim()
        return v.length > maxLength ? TOO_LONG : v
      }
      if (typeof raw === 'number') return Number.isFinite(raw) ? String(raw) : MISMATCH
      return typeof raw === 'boolean' ? String(raw) : MISMATCH
    case 'number': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw.trim()) : NaN
      return Number.isFinite(n) ? n : MISMATCH
    }
    case 'boolean':
      if (typeof raw === 'boolean') return raw
      if (typeof raw === 'string') {
        const v = raw.trim().toLowerCase()
        if (v === 'true') return true
        if (v === 'false') return false
      }
      return MISMATCH
    case 'datetime':
      if (typeof raw !== 'string' && typeof raw !== 'number') return MISMATCH
      return parseDatetime(raw) ?? MISMATCH
  }
}

export interface ParsedAttributes {
  readonly values: ReadonlyArray<readonly [string, AttributeValue]>
  readonly dropped: readonly DroppedAttribute[]
}

const NO_DROPS: readonly DroppedAttribute[] = []

export function parseAttributes(
  t: CompiledTenant,
  attributes: Readonly<Record<string, RawAttributeValue>> | null | undefined,
): ParsedAttributes {
  const values: Array<readonly [string, AttributeValue]> = []
  let dropped: DroppedAttribute[] | null = null
  if (attributes === null || attributes === undefined) return { values, dropped: NO_DROPS }
  for (const field in attributes) {
    if (!Object.prototype.hasOwnProperty.call(attributes, field)) continue
    const type = t.attributeTypes.get(field)
    if (type === undefined) {
      ;(dropped ??= []).push({ field, reason: 'unknown-field' })
      continue
    }
    const v = parseValue(type, attributes[field] as RawAttributeValue, t.maxAttributeLength)
    if (v === EMPTY) continue
    if (v === MISMATCH || v === TOO_LONG) {
      ;(dropped ??= []).push({ field, reason: v === TOO_LONG ? 'too-long' : 'type-mismatch' })
      continue
    }
    values.push([field, v])
  }
  return { values, dropped: dropped ?? NO_DROPS }
}

/** True when `a` beats `b` for a field. */
export function provenanceWins(
  t: CompiledTenant,
  a: AttributeProvenance,
  b: AttributeProvenance,
): boolean {
  const ra = sourceRank(t, a.source)
  const rb = sourceRank(t, b.source)
  if (ra !== rb) return ra < rb
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp
  if (a.sequence !== b.sequence) return a.sequence > b.sequence
  return a.eventId > b.eventId
}
