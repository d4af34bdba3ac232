/**
 * From validated file sections to the core's typed config: merging a tenant over "*", filling
 * defaults, and refusing contradictions. Problems are returned with the path (in the effective
 * config of one tenant) so the caller can name the file line.
 */
import { isSupportedCountry } from 'libphonenumber-js'
import {
  DEFAULT_IDENTIFIER_MAX_LENGTH,
  DEFAULT_IDEMPOTENCE_WINDOW,
  DEFAULT_MAX_ATTRIBUTE_LENGTH,
  DEFAULT_MAX_NOTE_LENGTH,
  DEFAULT_TIMELINE_CAP,
  type IdentifierTypeConfig,
  type TenantIdentityConfig,
} from '../core/config.js'
import { KEY_SEPARATOR } from '../core/keys.js'
import { splitBlocked } from '../core/identifiers.js'
import type { IdentifierSection, TenantSection } from './identity-config-schema.js'

export interface ConfigProblem {
  /** Path inside one tenant's section, e.g. ['identifiers', 'email', 'limit']. */
  readonly path: readonly (string | number)[]
  readonly message: string
}

function mergeRecords<T>(
  base: Readonly<Record<string, T | null>> | undefined,
  over: Readonly<Record<string, T | null>> | undefined,
  mergeEntry: (a: T, b: T) => T,
): Record<string, T | null> {
  const out: Record<string, T | null> = { ...(base ?? {}) }
  for (const [k, v] of Object.entries(over ?? {})) {
    const prev = out[k]
    out[k] = v === null || prev === null || prev === undefined ? v : mergeEntry(prev, v)
  }
  return out
}

/**
 * A named tenant over "*": scalars and lists replace, maps (identifiers, attributes) merge by
 * key, an identifier type's fields merge one by one, and null removes an inherited entry.
 */
export function mergeSections(base: TenantSection | undefined, over: TenantSection): TenantSection {
  if (base === undefined) return over
  const identifiers = mergeRecords<IdentifierSection>(
    base.identifiers,
    over.identifiers,
    (a, b) => ({
      ...a,
      ...b,
    }),
  )
  const attributes = mergeRecords(base.attributes, over.attributes, (_a, b) => b)
  return { ...base, ...over, identifiers, attributes }
}

function isValidRegex(source: string): boolean {
  try {
    new RegExp(source, 'i')
    return true
  } catch {
    return false
  }
}

export function finalizeTenant(section: TenantSection): {
  config: TenantIdentityConfig
  problems: ConfigProblem[]
} {
  const problems: ConfigProblem[] = []
  const problem = (path: (string | number)[], message: string) => problems.push({ path, message })
  const identifiers: Record<string, IdentifierTypeConfig> = {}
  const anchors: string[] = []
  const priorities = new Map<number, string>()

  for (const [type, raw] of Object.entries(section.identifiers ?? {})) {
    if (raw === null) continue
    const at = ['identifiers', type]
    if (type.length === 0 || type.includes(KEY_SEPARATOR))
      problem(at, 'an identifier type name must be non-empty text without control characters')
    if (raw.role === undefined) {
      problem(at, `identifier type "${type}" needs a role (anchor or link)`)
      continue
    }
    const normalize = raw.normalize ?? 'none'
    if (raw.role === 'anchor') {
      anchors.push(type)
      if (raw.limit !== undefined && raw.limit !== 1)
        problem(
          [...at, 'limit'],
          `"${type}" is an anchor: a profile holds one anchor, so its limit must be 1`,
        )
    } else if (raw.priority === undefined) {
      problem(at, `link type "${type}" needs a priority (lower is stronger)`)
    } else {
      const other = priorities.get(raw.priority)
      if (other !== undefined)
        problem(
          [...at, 'priority'],
          `"${type}" has the same priority (${raw.priority}) as "${other}": priorities decide the target of an ambiguous event, so they must differ`,
        )
      else priorities.set(raw.priority, type)
    }
    const country = raw.defaultCountry ?? null
    if (country !== null && normalize !== 'phone')
      problem([...at, 'defaultCountry'], `defaultCountry only applies to normalize: phone`)
    if (country !== null && !isSupportedCountry(country.toUpperCase()))
      problem([...at, 'defaultCountry'], `"${country}" is not a country libphonenumber knows`)
    const { patterns } = splitBlocked(raw.blocked ?? [], raw.blockedPatterns ?? [])
    for (const p of patterns)
      if (!isValidRegex(p))
        problem(
          [...at, (raw.blockedPatterns ?? []).includes(p) ? 'blockedPatterns' : 'blocked'],
          `blocked pattern /${p}/ is not a valid regular expression`,
        )
    identifiers[type] = {
      role: raw.role,
      normalize,
      defaultCountry: country === null ? null : country.toUpperCase(),
      limit: raw.role === 'anchor' ? 1 : (raw.limit ?? null),
      priority: raw.priority ?? 0,
      blocked: raw.blocked ?? [],
      blockedPatterns: raw.blockedPatterns ?? [],
      maxLength: raw.maxLength ?? DEFAULT_IDENTIFIER_MAX_LENGTH,
    }
  }
  if (Object.keys(identifiers).length === 0 && problems.length === 0)
    problem(['identifiers'], 'at least one identifier type is needed')
  if (anchors.length > 1)
    problem(
      ['identifiers', anchors[1] as string],
      `only one anchor type is allowed (a profile holds at most one anchor); found ${anchors.join(', ')}`,
    )

  const attributes: Record<string, 'string' | 'number' | 'datetime' | 'boolean'> = {}
  for (const [field, type] of Object.entries(section.attributes ?? {})) {
    if (type === null) continue
    if (Object.hasOwn(identifiers, field))
      problem(['attributes', field], `"${field}" is both an identifier type and an attribute`)
    attributes[field] = type
  }

  const sourcePriority = section.sourcePriority ?? []
  const seenSources = new Set<string>()
  sourcePriority.forEach((s, i) => {
    if (seenSources.has(s)) problem(['sourcePriority', i], `source "${s}" is listed twice`)
    seenSources.add(s)
  })

  return {
    problems,
    config: {
      identifiers,
      attributes,
      sourcePriority,
      timelineCap: section.timelineCap ?? DEFAULT_TIMELINE_CAP,
      suppressForgotten: section.suppressForgotten ?? false,
      useDefaultDenyList: section.useDefaultDenyList ?? true,
      idempotenceWindow: section.idempotenceWindow ?? DEFAULT_IDEMPOTENCE_WINDOW,
      maxAttributeLength: section.maxAttributeLength ?? DEFAULT_MAX_ATTRIBUTE_LENGTH,
      maxNoteLength: section.maxNoteLength ?? DEFAULT_MAX_NOTE_LENGTH,
    },
  }
}
