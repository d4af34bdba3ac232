/**
 * Spec rule 1: normalise each identifier and drop blocked, invalid, too long and unknown ones.
 * Every value is first cleaned (text.ts: NFC, no control or format characters), so invisible
 * characters can neither make two keys of one value nor a key of an empty one. Compiled
 * once per tenant config: normalisers, blocked sets and regexes are built at start, and each
 * type's verdicts (phone parsing is the expensive part) are memoised in a bounded cache.
 */
import {
  DEFAULT_IDENTIFIER_MAX_LENGTH,
  type IdentifierRole,
  type IdentifierTypeConfig,
  type NormalizerName,
} from './config.js'
import { isDefaultDenied } from './deny-list.js'
import { createPhoneNormalizer } from './phone.js'
import { cleanText } from './text.js'
import type { DropReason, Identifier } from './types.js'

export interface CompiledIdentifierType {
  readonly type: string
  readonly role: IdentifierRole
  readonly limit: number
  readonly priority: number
  /** Longest normalised value kept (characters). */
  readonly maxLength: number
  /** Returns the normalised value, or null when it is invalid. Expects a cleaned value. */
  readonly normalize: (raw: string) => string | null
  /** Tests one form of the value (the raw one, then the normalised one if different). */
  readonly isBlocked: (lowered: string, original: string) => boolean
  /** Rule 1's verdict per raw text value, memoised (bounded): the same values recur in a stream. */
  readonly verdicts: Map<string, NormalizeResult>
  /** Judging a value is costly (phone parsing): worth a memo even for values seen once. */
  readonly costly: boolean
}

export type NormalizeResult =
  NormalizedIdentifier | { readonly ok: false; readonly reason: DropReason }

/** A usable identifier. The verdict is memoised, so what each event would rebuild is kept here. */
export interface NormalizedIdentifier {
  readonly ok: true
  readonly kind: CompiledIdentifierType
  readonly value: string
  /** `{type, value}` as state and outputs hold it (shared: never changed). */
  readonly identifier: Identifier
  /** The link key for `keyTenant` (prepare-identifiers.ts fills both on first use). */
  keyTenant: string | null
  key: string
}

// Practical syntax check (not full RFC 5322): one @, a dot-atom local part, a dotted domain of
// letter/digit/hyphen labels ending in a 2+ letter TLD.
const EMAIL =
  /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/

function normalizer(name: NormalizerName, defaultCountry: string | null) {
  switch (name) {
    case 'email':
      return (raw: string) => {
        const v = raw.trim().toLowerCase()
        return EMAIL.test(v) ? v : null
      }
    case 'phone':
      return createPhoneNormalizer(defaultCountry)
    case 'lowercase':
      return (raw: string) => raw.trim().toLowerCase()
    case 'trim':
      return (raw: string) => raw.trim()
    case 'none':
      return (raw: string) => raw
  }
}

/** A blocked entry written /source/flags is a pattern; any other entry is an exact value. */
export function splitBlocked(
  blocked: readonly string[],
  patterns: readonly string[],
): { exact: string[]; patterns: string[] } {
  const exact: string[] = []
  const all = [...patterns]
  for (const b of blocked) {
    const m = /^\/(.+)\/([a-z]*)$/s.exec(b)
    if (m !== null && m[1] !== undefined) all.push(m[1])
    else exact.push(b)
  }
  return { exact, patterns: all }
}

export function compileIdentifierType(
  type: string,
  cfg: IdentifierTypeConfig,
  useDefaultDenyList: boolean,
): CompiledIdentifierType {
  const { exact, patterns } = splitBlocked(cfg.blocked, cfg.blockedPatterns)
  const norm = normalizer(cfg.normalize, cfg.defaultCountry)
  const blockedExact = new Set<string>()
  for (const e of exact) {
    const cleaned = cleanText(e)
    const lowered = cleaned.trim().toLowerCase()
    blockedExact.add(lowered)
    const n = norm(cleaned)
    if (n !== null) blockedExact.add(n.toLowerCase())
  }
  const regexes = patterns.map((p) => new RegExp(p, 'i'))
  /** `lowered` is trimmed and lowercased; `original` the same value before lowercasing. */
  const isBlocked = (lowered: string, original: string): boolean => {
    if (useDefaultDenyList && isDefaultDenied(lowered)) return true
    if (blockedExact.has(lowered)) return true
    for (const r of regexes) if (r.test(original)) return true
    return false
  }
  return {
    type,
    role: cfg.role,
    limit: cfg.role === 'anchor' ? 1 : (cfg.limit ?? Number.POSITIVE_INFINITY),
    priority: cfg.role === 'anchor' ? Number.NEGATIVE_INFINITY : cfg.priority,
    maxLength: cfg.maxLength ?? DEFAULT_IDENTIFIER_MAX_LENGTH,
    normalize: norm,
    isBlocked,
    verdicts: new Map(),
    costly: cfg.normalize === 'phone',
  }
}

/** Per identifier type; the map is dropped when full (cheaper than LRU bookkeeping). */
const VERDICT_CACHE_LIMIT = 100_000
/** Longer raw values are judged every time: the cache must not hold hostile megabytes. */
const CACHED_RAW_LENGTH = 1024
/**
 * A raw value this many times over maxLength is too long without cleaning it: cleaning only
 * removes invisible characters, and a value made mostly of them is not an identifier either.
 * Bounds the work a hostile value can cause.
 */
const RAW_LENGTH_FACTOR = 16

export function normalizeIdentifier(
  types: ReadonlyMap<string, CompiledIdentifierType>,
  type: string,
  raw: unknown,
): NormalizeResult {
  const kind = types.get(type)
  if (kind === undefined) return { ok: false, reason: 'unknown-type' }
  // untyped JSON often carries numeric ids (customer_id: 12345): integers count as their text
  if (typeof raw === 'number' && Number.isSafeInteger(raw)) raw = String(raw)
  if (typeof raw !== 'string') return INVALID
  if (raw.length > RAW_LENGTH_FACTOR * kind.maxLength) return TOO_LONG
  if (raw.length > CACHED_RAW_LENGTH) return judge(kind, raw)
  const known = kind.verdicts.get(raw)
  if (known !== undefined) return known
  const verdict = judge(kind, raw)
  if (kind.verdicts.size >= VERDICT_CACHE_LIMIT) kind.verdicts.clear()
  kind.verdicts.set(raw, verdict)
  return verdict
}

/**
 * normalizeIdentifier's verdict for values mostly seen once (a file import's rows): memoised only
 * for costly types. For a unique value the memo costs several times the check itself (a cleaned
 * string, a regex) and fills the heap with entries never read again.
 */
export function normalizeIdentifierOnce(
  types: ReadonlyMap<string, CompiledIdentifierType>,
  type: string,
  raw: string,
): NormalizeResult {
  const kind = types.get(type)
  if (kind === undefined) return { ok: false, reason: 'unknown-type' }
  if (kind.costly) return normalizeIdentifier(types, type, raw)
  if (raw.length > RAW_LENGTH_FACTOR * kind.maxLength) return TOO_LONG
  return judge(kind, raw)
}

const INVALID: NormalizeResult = { ok: false, reason: 'invalid' }
const BLOCKED: NormalizeResult = { ok: false, reason: 'blocked' }
const TOO_LONG: NormalizeResult = { ok: false, reason: 'too-long' }

function judge(kind: CompiledIdentifierType, original: string): NormalizeResult {
  const raw = cleanText(original)
  const trimmed = raw.trim()
  // Only invisible characters: invalid (a blank value stays a deny-listed placeholder below).
  if (trimmed.length === 0 && raw.length !== original.length) return INVALID
  const trimmedLower = trimmed.toLowerCase()
  // Placeholders are reported as blocked even when they would also fail the syntax check.
  if (kind.isBlocked(trimmedLower, trimmed)) return BLOCKED
  const value = kind.normalize(raw)
  if (value === null || value.length === 0) return INVALID
  if (value.length > kind.maxLength) return TOO_LONG
  if (value !== trimmed && value !== trimmedLower) {
    if (kind.isBlocked(value.toLowerCase(), value)) return BLOCKED
  }
  return { ok: true, kind, value, identifier: { type: kind.type, value }, keyTenant: null, key: '' }
}
