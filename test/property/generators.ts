/**
 * fast-check arbitraries for resolver scenarios: a small identity config with tight limits and a
 * sequence of contact events over a SMALL identifier space, so that collisions, merges,
 * reassignments, refusals and limit-exceeded happen often.
 */
import fc from 'fast-check'
import {
  DEFAULT_IDEMPOTENCE_WINDOW,
  type IdentityConfig,
  type TenantIdentityConfig,
} from '../../src/core/config.js'
import type {
  ContactEvent,
  EventType,
  Identifier,
  RawAttributeValue,
} from '../../src/core/types.js'

/** Raw values per identifier type, with case/whitespace/format variants of the same identity. */
export const IDENTIFIER_POOL: Readonly<Record<string, readonly string[]>> = {
  customer_id: ['C1', 'C2', ' C1 ', 'C3'],
  email: [
    'ann@x.com',
    ' Ann@X.com ',
    'bob@x.com',
    'BOB@x.com',
    'cy@x.com',
    'test@test.com', // blocked
    'not-an-email', // invalid
  ],
  phone: [
    '+1 212 736 5000',
    '(212) 736-5000',
    '2127365000',
    '+1 650 253 0000',
    '650.253.0000',
    '+33 1 42 68 53 00',
    '0000000000', // blocked
    'call me', // invalid
  ],
  loyalty_card: ['L9', 'l9 ', 'L10', 'L11'],
  // Not declared in the config: an unknown identifier type.
  fax: ['123'],
}

export const SOURCES = ['web', 'call_center', 'store', 'crm', 'partner_feed'] as const
/** `partner_feed` is never listed in a config's source priority: it ranks last. */
export const LISTED_SOURCES = ['web', 'call_center', 'store', 'crm'] as const

export const FIELDS = {
  name: 'string',
  age: 'number',
  vip: 'boolean',
  birthday: 'datetime',
} as const

const ATTRIBUTE_VALUES: Readonly<Record<string, readonly RawAttributeValue[]>> = {
  name: ['Ann', 'Bob', '', '   ', null, 'Cy'],
  age: [31, 42, '57', 'forty', null, true],
  vip: [true, false, 'yes', null, 7],
  birthday: ['1990-01-02', '1985-12-31T10:00:00Z', 'not a date', '', 631152000000],
  shoe_size: [42, 'L'], // not a declared field
}

/**
 * A tenant config with tight limits (so refusals and limit-exceeded happen) and a random order
 * of link priorities and source priorities. Every tenant of a scenario shares it.
 */
export interface ScenarioOptions {
  /** Longest event sequence (default 25). */
  readonly maxEvents?: number
  /** Shortest event sequence (default 1). */
  readonly minEvents?: number
  /** Exactly this many tenants (default: 1 to 3). */
  readonly tenants?: number
  /** Loose limits: fewer refusals, so merges chain into large profiles (deep union-find sets). */
  readonly looseLimits?: boolean
}

export const tenantConfigArb = (opts: ScenarioOptions = {}): fc.Arbitrary<TenantIdentityConfig> =>
  fc
    .record({
      emailLimit: opts.looseLimits
        ? fc.integer({ min: 3, max: 6 })
        : fc.integer({ min: 1, max: 4 }),
      phoneLimit: opts.looseLimits
        ? fc.integer({ min: 3, max: 6 })
        : fc.integer({ min: 1, max: 3 }),
      cardLimit: opts.looseLimits
        ? fc.constantFrom<number | null>(4, null)
        : fc.constantFrom<number | null>(1, 2, null),
      linkPriorities: fc.shuffledSubarray([2, 3, 4], { minLength: 3, maxLength: 3 }),
      sourcePriority: fc.shuffledSubarray([...LISTED_SOURCES], { minLength: 4, maxLength: 4 }),
      timelineCap: fc.integer({ min: 1, max: 3 }),
      suppressForgotten: fc.boolean(),
      useDefaultDenyList: fc.boolean(),
      // A tenant may have no anchor type at all: everything resolves by links.
      anchored: fc.oneof(
        { weight: 5, arbitrary: fc.constant(true) },
        { weight: 1, arbitrary: fc.constant(false) },
      ),
      // Mostly the default; sometimes tiny, so redeliveries fall out of the window.
      idempotenceWindow: fc.oneof(
        { weight: 3, arbitrary: fc.constant(DEFAULT_IDEMPOTENCE_WINDOW) },
        { weight: 1, arbitrary: fc.integer({ min: 1, max: 4 }) },
      ),
    })
    .map((r): TenantIdentityConfig => ({
      identifiers: {
        ...(r.anchored
          ? {
              customer_id: {
                role: 'anchor',
                normalize: 'trim',
                defaultCountry: null,
                limit: 1,
                priority: 1,
                blocked: ['n/a'],
                blockedPatterns: [],
              },
            }
          : {}),
        email: {
          role: 'link',
          normalize: 'email',
          defaultCountry: null,
          limit: r.emailLimit,
          priority: r.linkPriorities[0]!,
          blocked: ['test@test.com'],
          blockedPatterns: [],
        },
        phone: {
          role: 'link',
          normalize: 'phone',
          defaultCountry: 'US',
          limit: r.phoneLimit,
          priority: r.linkPriorities[1]!,
          blocked: [],
          blockedPatterns: ['^\\+?1?0+$'],
        },
        loyalty_card: {
          role: 'link',
          normalize: 'lowercase',
          defaultCountry: null,
          limit: r.cardLimit,
          priority: r.linkPriorities[2]!,
          blocked: [],
          blockedPatterns: [],
        },
      },
      attributes: { ...FIELDS },
      sourcePriority: r.sourcePriority,
      timelineCap: r.timelineCap,
      suppressForgotten: r.suppressForgotten,
      useDefaultDenyList: r.useDefaultDenyList,
      idempotenceWindow: r.idempotenceWindow,
    }))

export const TENANTS = ['acme', 'globex', 'initech'] as const

/**
 * Usually one config for every tenant; sometimes each tenant its own, and sometimes only the
 * first tenant is named and the others fall back to the "*" defaults.
 */
export const identityConfigArb = (opts: ScenarioOptions = {}): fc.Arbitrary<IdentityConfig> =>
  fc.oneof(
    {
      weight: 3,
      arbitrary: tenantConfigArb(opts).map((t) => ({
        tenants: Object.fromEntries(TENANTS.map((name) => [name, t])),
        defaults: null,
      })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(tenantConfigArb(opts), tenantConfigArb(opts), tenantConfigArb(opts))
        .map((ts) => ({
          tenants: Object.fromEntries(TENANTS.map((name, i) => [name, ts[i]!])),
          defaults: null,
        })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(tenantConfigArb(opts), tenantConfigArb(opts))
        .map(([named, fallback]) => ({ tenants: { [TENANTS[0]]: named }, defaults: fallback })),
    },
  )

interface EventDraft {
  readonly tenant: string
  readonly type: EventType
  readonly source: string
  readonly timestamp: number
  readonly identifiers: Identifier[]
  readonly attributes: Record<string, RawAttributeValue>
  readonly note: string | null
  /** When set, this slot re-delivers an earlier event (same eventId and content). */
  readonly redeliverOf: number | null
  /** When set, this event reuses an earlier eventId of its tenant with new content. */
  readonly reuseIdOf: number | null
}

/** Valid variants dominate; blocked, invalid and undeclared ones still show up. */
const identifierArb: fc.Arbitrary<Identifier> = fc
  .constantFrom(...Object.keys(IDENTIFIER_POOL))
  .chain((type) => fc.constantFrom(...IDENTIFIER_POOL[type]!).map((value) => ({ type, value })))

const validOf = (type: string, n: number): fc.Arbitrary<Identifier> =>
  fc.constantFrom(...IDENTIFIER_POOL[type]!.slice(0, n)).map((value) => ({ type, value }))

const linkWeighted: fc.Arbitrary<Identifier> = fc.oneof(
  { weight: 1, arbitrary: identifierArb },
  { weight: 2, arbitrary: validOf('customer_id', 4) },
  { weight: 4, arbitrary: validOf('email', 5) },
  { weight: 4, arbitrary: validOf('phone', 6) },
  { weight: 3, arbitrary: validOf('loyalty_card', 4) },
)

const attributesArb: fc.Arbitrary<Record<string, RawAttributeValue>> = fc
  .subarray(Object.keys(ATTRIBUTE_VALUES), { maxLength: 3 })
  .chain((fields) =>
    fc
      .tuple(...fields.map((f) => fc.constantFrom(...ATTRIBUTE_VALUES[f]!)))
      .map((values) => Object.fromEntries(fields.map((f, i) => [f, values[i]!]))),
  )

function draftArb(tenants: readonly string[]): fc.Arbitrary<EventDraft> {
  return fc.record({
    tenant: fc.constantFrom(...tenants),
    type: fc.constantFrom<EventType>(
      'identify',
      'identify',
      'identify',
      'identify',
      'identify',
      'identify',
      'identify',
      'unlink',
      'note',
      'forget',
    ),
    source: fc.constantFrom(...SOURCES),
    // A narrow range: ties and out-of-order timestamps are common.
    timestamp: fc.integer({ min: 1_700_000_000_000, max: 1_700_000_000_006 }),
    identifiers: fc.oneof(
      { weight: 19, arbitrary: fc.array(linkWeighted, { minLength: 1, maxLength: 4 }) },
      { weight: 1, arbitrary: fc.constant<Identifier[]>([]) },
    ),
    attributes: attributesArb,
    note: fc.option(fc.constantFrom('called about order', 'asked for refund', 'vip lounge', '  '), {
      nil: null,
    }),
    redeliverOf: fc.oneof(
      { weight: 9, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.nat() },
    ),
    reuseIdOf: fc.oneof(
      { weight: 19, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.nat() },
    ),
  })
}

/**
 * A sequence of events over 1-3 tenants. Redeliveries copy an earlier event verbatim; every
 * other event gets a fresh eventId. Event ids are unique per tenant, as producers make them.
 */
export function eventsArb(opts: ScenarioOptions = {}): fc.Arbitrary<ContactEvent[]> {
  return fc
    .integer({ min: opts.tenants ?? 1, max: opts.tenants ?? 3 })
    .chain((n) => {
      const tenants = TENANTS.slice(0, n)
      return fc.array(draftArb(tenants), {
        minLength: opts.minEvents ?? 1,
        maxLength: opts.maxEvents ?? 25,
        // Long sequences are where identities collide; don't let the default size keep them short.
        size: 'max',
      })
    })
    .map((drafts) => {
      const out: ContactEvent[] = []
      // Event ids count per tenant, so tenants share ids (idempotence is per tenant).
      const idsOf = new Map<string, string[]>()
      for (const d of drafts) {
        if (d.redeliverOf !== null && out.length > 0) {
          out.push(out[d.redeliverOf % out.length]!)
          continue
        }
        const ids = idsOf.get(d.tenant) ?? []
        idsOf.set(d.tenant, ids)
        // A producer that reuses an old id for a new event (only harmless outside the window).
        const eventId =
          d.reuseIdOf !== null && ids.length > 0 ? ids[d.reuseIdOf % ids.length]! : `e${ids.length}`
        ids.push(eventId)
        out.push({
          eventId,
          tenant: d.tenant,
          type: d.type,
          source: d.source,
          timestamp: d.timestamp,
          identifiers: d.identifiers,
          attributes: d.type === 'identify' ? d.attributes : {},
          note: d.type === 'note' || d.type === 'identify' ? d.note : null,
        })
      }
      return out
    })
}

/** A config and events together: what every resolver property runs on. */
export const scenarioArb = (opts: ScenarioOptions = {}) =>
  fc.record({ config: identityConfigArb(opts), events: eventsArb(opts) })
