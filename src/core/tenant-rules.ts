/**
 * A tenant's identity config compiled once for the hot path: identifier types with their
 * normalisers and blocked sets, source ranks, attribute types. Tenants not named in the config
 * share the compiled "*" defaults.
 */
import {
  DEFAULT_MAX_ATTRIBUTE_LENGTH,
  DEFAULT_MAX_NOTE_LENGTH,
  type AttributeType,
  type IdentityConfig,
  type TenantIdentityConfig,
} from './config.js'
import { compileIdentifierType, type CompiledIdentifierType } from './identifiers.js'

export interface CompiledTenant {
  readonly identifierTypes: ReadonlyMap<string, CompiledIdentifierType>
  readonly attributeTypes: ReadonlyMap<string, AttributeType>
  /** Source → rank (0 strongest); unlisted sources rank `unlistedRank`. */
  readonly sourceRanks: ReadonlyMap<string, number>
  readonly unlistedRank: number
  readonly timelineCap: number
  readonly suppressForgotten: boolean
  readonly idempotenceWindow: number
  /** Longest string attribute value kept (characters). */
  readonly maxAttributeLength: number
  /** Longest note kept on the timeline (characters); longer ones are truncated. */
  readonly maxNoteLength: number
}

export interface CompiledTenants {
  /** null when the tenant is not configured and there is no "*" section. */
  get(tenant: string): CompiledTenant | null
}

export function compileTenant(cfg: TenantIdentityConfig): CompiledTenant {
  const identifierTypes = new Map<string, CompiledIdentifierType>()
  for (const [type, t] of Object.entries(cfg.identifiers)) {
    identifierTypes.set(type, compileIdentifierType(type, t, cfg.useDefaultDenyList))
  }
  const sourceRanks = new Map<string, number>()
  cfg.sourcePriority.forEach((s, i) => {
    if (!sourceRanks.has(s)) sourceRanks.set(s, i)
  })
  return {
    identifierTypes,
    attributeTypes: new Map(Object.entries(cfg.attributes)),
    sourceRanks,
    unlistedRank: cfg.sourcePriority.length,
    timelineCap: cfg.timelineCap,
    suppressForgotten: cfg.suppressForgotten,
    idempotenceWindow: Math.max(1, Math.floor(cfg.idempotenceWindow)),
    maxAttributeLength: cfg.maxAttributeLength ?? DEFAULT_MAX_ATTRIBUTE_LENGTH,
    maxNoteLength: cfg.maxNoteLength ?? DEFAULT_MAX_NOTE_LENGTH,
  }
}

/**
 * One compilation per config object: the resolver and the runtime's prefetcher then share the
 * memoised normalisation verdicts instead of normalising every identifier twice.
 */
const compiled = new WeakMap<IdentityConfig, CompiledTenants>()

export function compileTenants(config: IdentityConfig): CompiledTenants {
  const known = compiled.get(config)
  if (known !== undefined) return known
  const named = new Map<string, CompiledTenant>()
  for (const [name, cfg] of Object.entries(config.tenants)) named.set(name, compileTenant(cfg))
  const defaults = config.defaults === null ? null : compileTenant(config.defaults)
  const tenants: CompiledTenants = { get: (tenant) => named.get(tenant) ?? defaults }
  compiled.set(config, tenants)
  return tenants
}

export function sourceRank(t: CompiledTenant, source: string): number {
  return t.sourceRanks.get(source) ?? t.unlistedRank
}
