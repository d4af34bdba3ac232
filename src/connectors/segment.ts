/**
 * Segment-compatible calls (`POST /v1/identify`, `POST /v1/batch`, as Segment's and
 * RudderStack's HTTP tracking APIs take them) → ContactEvent inputs for the HTTP ingest rules
 * (http-ingest.ts). A team already sending these calls points them here unchanged; the write
 * key is a token of the tokens file (docs/connectors.md, "Segment-compatible calls").
 *
 * Mapping, per write key (`segment:` in the tokens file), with defaults:
 * - `userId` → the tenant's anchor type (its strongest anchor);
 * - `anonymousId` → the type `anonymousId` names (none: dropped);
 * - each trait → the identifier type or attribute `traits` maps it to, else the identifier type
 *   or attribute of the same name; other traits are ignored and listed in the answer;
 * - `messageId` → eventId; `timestamp` (else `sentAt`, else now) → timestamp.
 * Only `identify` is taken: a batch item of another type (track, page...) is refused by name.
 */

import type { IdentityConfig } from '../core/config.js'

/** What the mapping needs to know of a tenant's identity config. */
export interface TenantFields {
  /** The strongest anchor type, if the tenant has one. */
  readonly anchor: string | null
  readonly identifierTypes: ReadonlySet<string>
  readonly attributes: ReadonlySet<string>
}

/** The fields of `tenant` in an identity config (its own section, else "*"), or null. */
export function tenantFieldsOf(config: IdentityConfig, tenant: string): TenantFields | null {
  const t = config.tenants[tenant] ?? config.defaults
  if (t === null || t === undefined) return null
  const anchors = Object.entries(t.identifiers)
    .filter(([, kind]) => kind.role === 'anchor')
    .sort(([a, x], [b, y]) => x.priority - y.priority || (a < b ? -1 : 1))
  return {
    anchor: anchors[0]?.[0] ?? null,
    identifierTypes: new Set(Object.keys(t.identifiers)),
    attributes: new Set(Object.keys(t.attributes)),
  }
}

export interface SegmentMapping {
  /** The identifier type userId becomes (default: the tenant's anchor). */
  readonly userId?: string
  /** The identifier type anonymousId becomes (default: none, dropped). */
  readonly anonymousId?: string
  /** Trait name → identifier type or attribute name. */
  readonly traits?: Readonly<Record<string, string>>
}

export type SegmentItem =
  | { readonly ok: true; readonly input: Record<string, unknown>; readonly ignored: string[] }
  | { readonly ok: false; readonly field: string | null; readonly reason: string }

/** One Segment identify call → an event input (validated afterwards by the ingest rules). */
export function segmentIdentify(
  call: unknown,
  tenant: TenantFields,
  mapping: SegmentMapping,
): SegmentItem {
  if (typeof call !== 'object' || call === null || Array.isArray(call)) {
    return { ok: false, field: null, reason: 'an identify call object is expected' }
  }
  const c = call as Record<string, unknown>
  if (c.type !== undefined && c.type !== 'identify') {
    return {
      ok: false,
      field: 'type',
      reason: `only identify calls are taken here, not ${JSON.stringify(c.type)}`,
    }
  }
  const identifiers: Array<{ type: string; value: unknown }> = []
  const attributes: Record<string, unknown> = {}
  const ignored: string[] = []
  const userIdType = mapping.userId ?? tenant.anchor
  if (c.userId !== undefined && c.userId !== null) {
    if (userIdType === null) {
      return { ok: false, field: 'userId', reason: 'the tenant has no anchor type to map it to' }
    }
    identifiers.push({ type: userIdType, value: c.userId })
  }
  if (c.anonymousId !== undefined && c.anonymousId !== null) {
    if (mapping.anonymousId !== undefined)
      identifiers.push({ type: mapping.anonymousId, value: c.anonymousId })
    else ignored.push('anonymousId')
  }
  const traits = c.traits
  if (traits !== undefined && traits !== null) {
    if (typeof traits !== 'object' || Array.isArray(traits)) {
      return { ok: false, field: 'traits', reason: 'an object is expected' }
    }
    for (const [name, value] of Object.entries(traits as Record<string, unknown>)) {
      const target = mapping.traits?.[name] ?? name
      if (tenant.identifierTypes.has(target)) identifiers.push({ type: target, value })
      else if (tenant.attributes.has(target)) attributes[target] = value
      else ignored.push(`traits.${name}`)
    }
  }
  return {
    ok: true,
    input: {
      type: 'identify',
      identifiers,
      attributes,
      ...(typeof c.messageId === 'string' ? { eventId: c.messageId } : {}),
      ...(c.timestamp !== undefined
        ? { timestamp: c.timestamp }
        : c.sentAt !== undefined
          ? { timestamp: c.sentAt }
          : {}),
    },
    ignored,
  }
}
