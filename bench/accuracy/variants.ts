/**
 * The config variants the accuracy report compares: the shipped defaults, and the same with
 * the safety nets removed one at a time, to show what each is worth.
 */
import type {
  IdentifierTypeConfig,
  IdentityConfig,
  TenantIdentityConfig,
} from '../../src/core/config.js'

export const VARIANTS = ['default', 'no-limits', 'no-deny-list', 'no-limits-no-deny-list'] as const
export type VariantName = (typeof VARIANTS)[number]

function mapTenants(
  config: IdentityConfig,
  change: (tenant: TenantIdentityConfig) => TenantIdentityConfig,
): IdentityConfig {
  return {
    tenants: Object.fromEntries(
      Object.entries(config.tenants).map(([name, tenant]) => [name, change(tenant)]),
    ),
    defaults: config.defaults === null ? null : change(config.defaults),
  }
}

function mapIdentifiers(
  tenant: TenantIdentityConfig,
  change: (type: IdentifierTypeConfig) => IdentifierTypeConfig,
): TenantIdentityConfig {
  return {
    ...tenant,
    identifiers: Object.fromEntries(
      Object.entries(tenant.identifiers).map(([name, type]) => [name, change(type)]),
    ),
  }
}

/** Links lose their limit (an anchor stays at 1: a profile has one anchor by definition). */
const withoutLimits = (tenant: TenantIdentityConfig) =>
  mapIdentifiers(tenant, (type) => (type.role === 'anchor' ? type : { ...type, limit: null }))

/** Neither the built-in deny-list nor the config's blocked values and patterns. */
const withoutDenyList = (tenant: TenantIdentityConfig) => ({
  ...mapIdentifiers(tenant, (type) => ({ ...type, blocked: [], blockedPatterns: [] })),
  useDefaultDenyList: false,
})

export function variantConfig(config: IdentityConfig, variant: VariantName): IdentityConfig {
  switch (variant) {
    case 'default':
      return config
    case 'no-limits':
      return mapTenants(config, withoutLimits)
    case 'no-deny-list':
      return mapTenants(config, withoutDenyList)
    case 'no-limits-no-deny-list':
      return mapTenants(config, (tenant) => withoutDenyList(withoutLimits(tenant)))
  }
}
