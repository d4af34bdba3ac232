/**
 * The state key scheme. Every key starts with the tenant, so tenants never share a key and a
 * tenant's state is one prefix scan. Parts are separated by U+001F (unit separator), which
 * tenants and identifier types may not contain; a value may, since it is always the last part.
 * Plain concatenation: keys are built on the hot path.
 */
export const KEY_SEPARATOR = '\u001f'

const S = KEY_SEPARATOR

/** Every key of the tenant starts with this. */
export function tenantPrefix(tenant: string): string {
  return tenant + S
}

export function linkKey(tenant: string, type: string, value: string): string {
  return tenant + S + 'l' + S + type + S + value
}

export function profileKey(tenant: string, profileId: string): string {
  return tenant + S + 'p' + S + profileId
}

/** A `members` chunk of a set's membership; ids are `<root id>.<n>`. */
export function chunkKey(tenant: string, chunkId: string): string {
  return tenant + S + 'c' + S + chunkId
}

export function tenantMetaKey(tenant: string): string {
  return tenant + S + 'm'
}

export function seenKey(tenant: string, eventId: string): string {
  return tenant + S + 'e' + S + eventId
}

/** Ring slots per `seen-ring` record: one record read and written per this many events. */
export const RING_CHUNK = 64

/** The `seen-ring` record holding the idempotence ring's `slot` (RING_CHUNK slots per record). */
export function seenRingKey(tenant: string, slot: number): string {
  return tenant + S + 'r' + S + Math.floor(slot / RING_CHUNK)
}

export type ParsedKey =
  | {
      readonly kind: 'link'
      readonly tenant: string
      readonly type: string
      readonly value: string
    }
  | { readonly kind: 'profile'; readonly tenant: string; readonly profileId: string }
  | { readonly kind: 'members'; readonly tenant: string; readonly chunkId: string }
  | { readonly kind: 'tenant-meta'; readonly tenant: string }
  | { readonly kind: 'seen'; readonly tenant: string; readonly eventId: string }
  | { readonly kind: 'seen-ring'; readonly tenant: string; readonly chunk: number }

/** The inverse of the builders above (for tools that scan state); null for a foreign key. */
export function parseKey(key: string): ParsedKey | null {
  const a = key.indexOf(S)
  if (a < 0) return null
  const tenant = key.slice(0, a)
  const kind = key.slice(a + 1, a + 2)
  const rest = key.slice(a + 3)
  if (kind === 'm' && key.length === a + 2) return { kind: 'tenant-meta', tenant }
  if (key.charAt(a + 2) !== S) return null
  switch (kind) {
    case 'l': {
      const b = rest.indexOf(S)
      if (b < 0) return null
      return { kind: 'link', tenant, type: rest.slice(0, b), value: rest.slice(b + 1) }
    }
    case 'p':
      return { kind: 'profile', tenant, profileId: rest }
    case 'c':
      return { kind: 'members', tenant, chunkId: rest }
    case 'e':
      return { kind: 'seen', tenant, eventId: rest }
    case 'r': {
      const chunk = Number(rest)
      return Number.isInteger(chunk) ? { kind: 'seen-ring', tenant, chunk } : null
    }
    default:
      return null
  }
}
