/**
 * The search route's parameters, checked against the tenant's config, and the opaque cursors
 * of search and timeline pages. A problem answers 400 naming the parameter (never echoing the
 * value sent). Syntax (docs/api.md, "Search"):
 *   q=words            every word must match (match=all) a word of an identifier or a string,
 *                      number or date attribute; the last word also as a prefix
 *   filter=name:a..b   number or datetime attribute in [a, b] (either end may be left out);
 *                      a datetime bound may be a year (1980) or a month (1980-04)
 *   filter=name:v      equality: true/false for booleans, a number, a date/year/month
 *   has=type           holds an identifier of the type
 *   match=all|any      every condition (each word of q, each filter, each has) or any one
 */
import { createHash } from 'node:crypto'
import { parseEventTimestamp } from '../core/datetime.js'
import type { CompiledTenant } from '../core/tenant-rules.js'
import type { IndexQuery, SearchFilter } from './search-index.js'
import { queryTerms } from './search-terms.js'

export const SEARCH_LIMITS = {
  maxQueryLength: 256,
  maxTerms: 8,
  maxFilters: 16,
  defaultLimit: 20,
  maxLimit: 100,
} as const

export interface SearchParams {
  readonly q?: string
  readonly filter?: readonly string[]
  readonly has?: readonly string[]
  readonly match?: 'all' | 'any'
  readonly limit?: number
  readonly cursor?: string
}

export type Parsed<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string }

const bad = (message: string): Parsed<never> => ({ ok: false, message })

export function parseSearch(t: CompiledTenant, p: SearchParams): Parsed<IndexQuery> {
  const terms = queryTerms(p.q ?? '')
  if (terms.length > SEARCH_LIMITS.maxTerms)
    return bad(`q: at most ${SEARCH_LIMITS.maxTerms} words`)
  const filters: SearchFilter[] = []
  for (const [i, text] of (p.filter ?? []).entries()) {
    const f = parseFilter(t, text)
    if (!f.ok) return bad(`filter[${i}]: ${f.message}`)
    filters.push(f.value)
  }
  for (const [i, type] of (p.has ?? []).entries()) {
    if (!t.identifierTypes.has(type))
      return bad(
        `has[${i}]: the tenant has no identifier type ${JSON.stringify(type.slice(0, 64))}`,
      )
    filters.push({ kind: 'has', identifierType: type })
  }
  if (terms.length === 0 && filters.length === 0)
    return bad('q: give q, filter or has (a search needs at least one condition)')
  if (filters.length > SEARCH_LIMITS.maxFilters)
    return bad(`filter: at most ${SEARCH_LIMITS.maxFilters} filters and has together`)
  const match = p.match ?? 'all'
  const limit = p.limit ?? SEARCH_LIMITS.defaultLimit
  const fingerprint = digest(JSON.stringify([terms.map((x) => x.word), filters, match]))
  let after: IndexQuery['after'] = null
  if (p.cursor !== undefined) {
    const c = decodeCursor(p.cursor)
    if (
      c === null ||
      c.length !== 3 ||
      typeof c[0] !== 'number' ||
      typeof c[1] !== 'string' ||
      c[2] !== fingerprint
    )
      return bad(
        'cursor: not a cursor of this search (pass nextCursor back with the same q, filter, has and match)',
      )
    after = { score: c[0], profileId: c[1] }
  }
  return { ok: true, value: { terms, filters, match, limit, after } }
}

function parseFilter(t: CompiledTenant, text: string): Parsed<SearchFilter> {
  const colon = text.indexOf(':')
  if (colon <= 0) return bad('write name:value or name:from..to (e.g. points:100..200)')
  const attribute = text.slice(0, colon)
  const value = text.slice(colon + 1)
  const type = t.attributeTypes.get(attribute)
  const name = JSON.stringify(attribute.slice(0, 64))
  switch (type) {
    case undefined:
      return bad(`the tenant has no attribute ${name}`)
    case 'string':
      return bad(`${name} is a string attribute: search it with q`)
    case 'boolean':
      if (value !== 'true' && value !== 'false')
        return bad(`${name} is a boolean: write ${attribute}:true or ${attribute}:false`)
      return { ok: true, value: { kind: 'boolean', attribute, value: value === 'true' } }
    case 'number':
    case 'datetime': {
      const range = value.split('..')
      if (range.length > 2) return bad(`${name}: a range is from..to`)
      const [a, b] = range.length === 2 ? range : [value, value]
      const from = bound(type, a as string, 'from')
      const to = bound(type, b as string, 'to')
      if (from === null || to === null)
        return bad(
          type === 'number'
            ? `${name} is a number: its bounds must be numbers (e.g. ${attribute}:100..200)`
            : `${name} is a datetime: its bounds must be ISO dates, date-times, years or months (e.g. ${attribute}:1980..1989-12-31)`,
        )
      if (range.length === 1 && (a as string) === '') return bad(`${name}: give a value or a range`)
      return { ok: true, value: { kind: 'range', attribute, from, to } }
    }
  }
}

/** A range end: empty = open; a datetime's `to` bound covers its whole year, month or day. */
function bound(type: 'number' | 'datetime', text: string, end: 'from' | 'to'): number | null {
  if (text === '') return end === 'from' ? -Infinity : Infinity
  if (type === 'number') {
    const n = Number(text)
    return text.trim() === '' || !Number.isFinite(n) ? null : n
  }
  const year = /^(\d{4})$/.exec(text)
  const month = /^(\d{4})-(\d{2})$/.exec(text)
  let start: string
  let next: string
  if (year !== null) {
    start = `${year[1]}-01-01`
    next = `${Number(year[1]) + 1}`.padStart(4, '0') + '-01-01'
  } else if (month !== null) {
    const y = Number(month[1])
    const m = Number(month[2])
    if (m < 1 || m > 12) return null
    start = `${month[1]}-${month[2]}-01`
    next =
      m === 12
        ? `${String(y + 1).padStart(4, '0')}-01-01`
        : `${month[1]}-${String(m + 1).padStart(2, '0')}-01`
  } else {
    const t = parseEventTimestamp(text)
    if (!t.ok) return null
    // a date alone covers its day
    if (end === 'to' && /^\d{4}-\d{2}-\d{2}$/.test(text.trim())) return t.ms + 86_400_000 - 1
    return t.ms
  }
  const s = parseEventTimestamp(start)
  const n = parseEventTimestamp(next)
  if (!s.ok || !n.ok) return null
  return end === 'from' ? s.ms : n.ms - 1
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 12)
}

export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url')
}

/** The JSON array a cursor holds, or null when it is not one of ours. */
export function decodeCursor(cursor: string): unknown[] | null {
  if (!/^[A-Za-z0-9_-]{1,1024}$/.test(cursor)) return null
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    return Array.isArray(v) ? v : null
  } catch {
    return null
  }
}

export function searchFingerprint(q: IndexQuery): string {
  return digest(JSON.stringify([q.terms.map((x) => x.word), q.filters, q.match]))
}
