/**
 * The identity config most resolver tests use: the one in samples/identity.yaml, written out
 * as the typed config so core tests do not depend on the file loader.
 */
import type {
  IdentifierTypeConfig,
  IdentityConfig,
  TenantIdentityConfig,
} from '../../../src/core/config.js'

function type(
  t: Partial<IdentifierTypeConfig> & Pick<IdentifierTypeConfig, 'role'>,
): IdentifierTypeConfig {
  return {
    normalize: 'none',
    defaultCountry: null,
    limit: null,
    priority: 0,
    blocked: [],
    blockedPatterns: [],
    ...t,
  }
}

export function tenantConfig(overrides: Partial<TenantIdentityConfig> = {}): TenantIdentityConfig {
  return {
    identifiers: {
      customer_id: type({ role: 'anchor', normalize: 'trim', limit: 1 }),
      email: type({
        role: 'link',
        normalize: 'email',
        limit: 5,
        priority: 2,
        blocked: ['test@test.com'],
      }),
      phone: type({
        role: 'link',
        normalize: 'phone',
        defaultCountry: 'US',
        limit: 3,
        priority: 3,
      }),
      loyalty_card: type({
        role: 'link',
        normalize: 'trim',
        limit: 1,
        priority: 4,
        blocked: ['0000'],
      }),
    },
    attributes: { first_name: 'string', points: 'number', birthday: 'datetime', vip: 'boolean' },
    sourcePriority: ['crm', 'web', 'store', 'call_center'],
    timelineCap: 100,
    suppressForgotten: false,
    useDefaultDenyList: true,
    idempotenceWindow: 1000,
    ...overrides,
  }
}

export function identifierType(
  t: Partial<IdentifierTypeConfig> & Pick<IdentifierTypeConfig, 'role'>,
): IdentifierTypeConfig {
  return type(t)
}

/** Every tenant gets `defaults`; `tenants` names overrides. */
export function identityConfig(
  defaults: TenantIdentityConfig | null = tenantConfig(),
  tenants: Record<string, TenantIdentityConfig> = {},
): IdentityConfig {
  return { defaults, tenants }
}

/**
 * The default tenant plus a `device_id` link (priority 9), unlimited unless `limit` is given:
 * lets a test grow one profile to any size through device ids.
 */
export function withDeviceIds(limit?: number): IdentityConfig {
  const base = tenantConfig()
  const device = { role: 'link', normalize: 'lowercase', priority: 9 } as const
  return identityConfig(
    tenantConfig({
      identifiers: {
        ...base.identifiers,
        device_id: identifierType(limit === undefined ? device : { ...device, limit }),
      },
    }),
  )
}
