/**
 * The JSON Schemas of the Profile API: the shared ones (registered with fastify by `$id`,
 * referenced as `{ $ref: 'Name#' }`, and emitted as OpenAPI components by openapi.ts) and the
 * request parts of each route. Fastify validates requests with them and serialises responses
 * through them (a field missing from a response schema is not sent), so the document
 * /openapi.json publishes is the one the server runs. Shapes: answers.ts.
 */
import { BATCH_GET_MAX } from './answers.js'
import { SEARCH_LIMITS } from './search-query.js'

/** A JSON Schema as plain data. */
export type JsonSchema = { readonly [key: string]: unknown }

export const ref = (name: SharedSchemaName): JsonSchema => ({ $ref: `${name}#` })
const nullable = (schema: JsonSchema): JsonSchema => ({ anyOf: [schema, { type: 'null' }] })
const str: JsonSchema = { type: 'string' }
const millis: JsonSchema = { type: 'integer', description: 'epoch milliseconds' }

const object = (
  properties: Readonly<Record<string, JsonSchema>>,
  required: readonly string[] = Object.keys(properties),
  description?: string,
): JsonSchema => ({
  type: 'object',
  ...(description === undefined ? {} : { description }),
  required,
  properties,
  additionalProperties: false,
})

const evidence = {
  eventId: str,
  source: str,
  timestamp: millis,
}

const eventAndTime = { eventId: str, timestamp: millis }

const profileProperties = {
  tenant: str,
  profileId: str,
  anchor: nullable(ref('Identifier')),
  identifiers: {
    type: 'array',
    items: ref('Identifier'),
    description: 'normalised, sorted by type then value, anchor included',
  },
  channels: { type: 'array', items: str, description: 'sources that contributed, sorted' },
  attributes: {
    type: 'object',
    additionalProperties: { type: ['string', 'number', 'boolean'] },
  },
  timeline: { type: 'array', items: ref('TimelineEntry'), description: 'newest first' },
  mergedFrom: {
    type: 'array',
    items: str,
    description: 'retired profile ids that resolve to this one',
  },
  createdAt: millis,
  updatedAt: millis,
}

/** Not on a profiles.ndjson line: the API adds it (answers.ts). */
const provenance: JsonSchema = {
  type: 'object',
  additionalProperties: ref('Evidence'),
  description: 'for each attribute, the event whose value it holds (resolution rule 7)',
}

export const SHARED_SCHEMAS = {
  Identifier: object({ type: str, value: str }),
  Evidence: object(evidence, undefined, 'the event that did it'),
  Merge: object(
    { survivor: str, merged: str, via: nullable(ref('Identifier')), ...evidence },
    undefined,
    'a merge: `merged` retired into `survivor` by an event, through the identifier `via`',
  ),
  TimelineEntry: object({ eventId: str, timestamp: millis, source: str, note: str }),
  ProfileAnswer: object(
    {
      ...profileProperties,
      provenance,
      resolvedFrom: object(
        { retiredId: str, chain: { type: 'array', items: ref('Merge') } },
        undefined,
        'present when the id asked for was merged away: that id and the merges, oldest first, to this profile',
      ),
    },
    [...Object.keys(profileProperties), 'provenance'],
    "a live profile, as one line of profiles.ndjson (`unifier resolve`), plus its attributes' `provenance` and `resolvedFrom` for a merged-away id",
  ),
  IdentifierAnswer: object({
    ...profileProperties,
    provenance,
    matched: { ...ref('Identifier'), description: 'the identifier after normalisation' },
  }),
  BatchGetAnswer: object({
    results: {
      type: 'array',
      description: 'one per identifier asked, in the same order',
      items: object(
        {
          type: { ...str, description: 'as sent' },
          value: { ...str, description: 'as sent' },
          status: { type: 'integer', enum: [200, 404, 422] },
          profile: ref('IdentifierAnswer'),
          error: {
            ...ref('ErrorDetail'),
            description: '404 and 422: the error the single lookup would answer',
          },
        },
        ['type', 'value', 'status'],
      ),
    },
  }),
  HistoryEntry: object(
    {
      kind: { type: 'string', enum: ['merged', 'reassigned', 'merge-refused'] },
      ...eventAndTime,
      survivor: { ...str, description: 'merged' },
      merged: { ...str, description: 'merged: the id merged away' },
      via: {
        ...nullable(ref('Identifier')),
        description: 'merged, merge-refused: the identifier the event connected them through',
      },
      identifier: { ...ref('Identifier'), description: 'reassigned: the identifier that moved' },
      from: { ...str, description: 'reassigned' },
      to: { ...str, description: 'reassigned' },
      target: { ...str, description: 'merge-refused: the profile the event went to' },
      refused: { ...str, description: 'merge-refused: the profile kept apart' },
      limitType: {
        ...str,
        description: "merge-refused: the identifier type whose limit it would break, or 'anchor'",
      },
    },
    ['kind', 'eventId', 'timestamp'],
  ),
  HistoryAnswer: object({
    tenant: str,
    profileId: str,
    entries: {
      type: 'array',
      items: ref('HistoryEntry'),
      description: "every id of the profile's set, by event time, oldest first",
    },
  }),
  HeldIdentifier: object({
    type: str,
    value: str,
    attachedTo: { ...str, description: 'the profile id it was attached to' },
    attachedBy: ref('Evidence'),
    merges: {
      type: 'array',
      items: ref('Merge'),
      description: 'the merges, oldest first, that carried attachedTo into this profile',
    },
  }),
  DepartedIdentifier: object(
    {
      type: str,
      value: str,
      kind: { type: 'string', enum: ['reassigned', 'detached'] },
      arrived: ref('Merge'),
      heldBy: { ...nullable(str), description: 'reassigned: the profile holding it now' },
      movedBy: { ...nullable(ref('Evidence')), description: 'reassigned: the event that moved it' },
    },
    undefined,
    'an identifier a merge brought in that this profile no longer holds',
  ),
  IdentifiersAnswer: object({
    tenant: str,
    profileId: str,
    identifiers: { type: 'array', items: ref('HeldIdentifier') },
    departed: { type: 'array', items: ref('DepartedIdentifier') },
  }),
  ExplainSide: object({
    type: str,
    value: str,
    profileId: { ...str, description: 'the live profile holding it' },
    attachedTo: str,
    attachedBy: ref('Evidence'),
    merges: { type: 'array', items: ref('Merge') },
  }),
  ExplainStep: object({
    action: { type: 'string', enum: ['attached', 'merged'] },
    ...evidence,
    identifier: {
      ...nullable(ref('Identifier')),
      description: 'attached: the identifier; merged: the identifier the merge went through',
    },
    profileId: { ...str, description: 'attached: the profile id; merged: the survivor' },
    merged: { ...nullable(str), description: 'merged: the id merged away' },
  }),
  ApartReason: object(
    {
      kind: { type: 'string', enum: ['reassigned', 'different-anchors', 'limit', 'not-connected'] },
      message: str,
      identifier: ref('Identifier'),
      from: str,
      to: str,
      ...evidence,
      anchors: { type: 'array', items: ref('Identifier') },
      identifierType: str,
      limit: { type: 'integer' },
      held: { type: 'array', items: { type: 'integer' } },
    },
    ['kind', 'message'],
    'reassigned: `identifier` left `from` for `to` at event `eventId`; different-anchors: `anchors`; limit: `identifierType`, `limit`, `held` per profile; not-connected',
  ),
  ExplainAnswer: object(
    {
      together: { type: 'boolean' },
      profileId: { ...str, description: 'together: the profile holding both' },
      a: ref('ExplainSide'),
      b: ref('ExplainSide'),
      steps: {
        type: 'array',
        items: ref('ExplainStep'),
        description: 'together: the events that joined them, oldest first',
      },
      reason: ref('ApartReason'),
    },
    ['together', 'a', 'b'],
  ),
  SearchResult: object(
    {
      profileId: { ...str, description: 'the live profile id' },
      score: { type: 'number', description: 'higher ranks first (docs/api.md, "Search")' },
      identifiers: { type: 'array', items: ref('Identifier') },
      attributes: profileProperties.attributes,
      matched: {
        type: 'array',
        items: str,
        description: 'the fields that matched: identifier:<type> or attribute:<name>',
      },
    },
    undefined,
    'a live profile that matched',
  ),
  SearchAnswer: object({
    results: { type: 'array', items: ref('SearchResult'), description: 'best first' },
    nextCursor: { ...nullable(str), description: 'the next page: pass as cursor; null at the end' },
  }),
  TimelineAnswer: object({
    tenant: str,
    profileId: { ...str, description: 'the live profile (the survivor for a merged-away id)' },
    entries: { type: 'array', items: ref('TimelineEntry'), description: 'newest first' },
    nextCursor: { ...nullable(str), description: 'the next page: pass as cursor; null at the end' },
  }),
  ErrorDetail: object(
    {
      code: {
        type: 'string',
        enum: [
          'bad-request',
          'not-found',
          'deleted',
          'tenant-not-found',
          'unknown-type',
          'blocked',
          'invalid',
          'too-long',
          'unauthorized',
          'forbidden',
          'rate-limited',
          'route-not-found',
          'unavailable',
          'invalid-events',
          'too-large',
          'internal',
        ],
      },
      message: str,
      problems: {
        type: 'array',
        description: 'ingest: the items that are wrong',
        items: object({ index: { type: 'integer' }, field: nullable(str), reason: str }),
      },
    },
    ['code', 'message'],
  ),
  Error: object({ error: ref('ErrorDetail') }),
  IngestAccepted: object(
    {
      accepted: { type: 'integer', description: 'events the log now holds' },
      eventIds: { type: 'array', items: str, description: 'in request order (generated ones too)' },
      ignored: {
        type: 'array',
        items: str,
        description: 'Segment-compatible calls: fields no identifier type or attribute took',
      },
    },
    ['accepted', 'eventIds'],
    'every event of the request is in the log (Kafka: acks all; embedded: the local log)',
  ),
  Health: object(
    {
      status: { type: 'string', enum: ['starting', 'running', 'stopping', 'stopped', 'failed'] },
      generation: { type: 'integer' },
      partitions: {
        type: 'array',
        items: object({
          partition: { type: 'integer' },
          state: { type: 'string', enum: ['restoring', 'running', 'waiting'] },
          nextOffset: nullable(str),
          inTransaction: { type: 'boolean' },
        }),
      },
      replica: {
        type: 'array',
        description: "a read replica's lag per state-changelog partition (unifier api)",
        items: object({
          partition: { type: 'integer' },
          next: str,
          behind: nullable({ type: 'integer' }),
          lastAppliedAgeMs: nullable({ type: 'integer' }),
        }),
      },
      history: {
        type: 'array',
        description:
          "a read replica's history index: its lag per identity-event topic partition (unifier api)",
        items: object({
          topic: str,
          partition: { type: 'integer' },
          next: str,
          behind: nullable({ type: 'integer' }),
          lastAppliedAgeMs: nullable({ type: 'integer' }),
        }),
      },
    },
    ['status', 'generation', 'partitions'],
    "the processor's state, or a read replica's",
  ),
} as const satisfies Record<SharedSchemaName, JsonSchema>

export type SharedSchemaName =
  | 'Identifier'
  | 'Evidence'
  | 'Merge'
  | 'TimelineEntry'
  | 'ProfileAnswer'
  | 'IdentifierAnswer'
  | 'BatchGetAnswer'
  | 'HistoryEntry'
  | 'HistoryAnswer'
  | 'HeldIdentifier'
  | 'DepartedIdentifier'
  | 'IdentifiersAnswer'
  | 'ExplainSide'
  | 'ExplainStep'
  | 'ApartReason'
  | 'ExplainAnswer'
  | 'SearchResult'
  | 'SearchAnswer'
  | 'TimelineAnswer'
  | 'ErrorDetail'
  | 'Error'
  | 'IngestAccepted'
  | 'Health'

/** Path and query parameters. */
const tenantParam = { ...str, minLength: 1, description: 'the tenant, as in the identity config' }
const profileIdParam = { ...str, minLength: 1, description: 'any profile id ever issued' }

export const PARAMS = {
  tenant: object({ tenant: tenantParam }),
  profile: object({ tenant: tenantParam, profileId: profileIdParam }),
  identifier: object({
    tenant: tenantParam,
    type: { ...str, minLength: 1, description: 'an identifier type of the tenant' },
    value: {
      ...str,
      description: 'the value as sent (URL-encoded); the tenant normalises it before looking',
    },
  }),
}

const pairPart = (name: string): JsonSchema => ({
  ...str,
  pattern: '^[^:]+:',
  description: `${name} identifier as type:value (URL-encoded), e.g. email:ann@x.com`,
})

export const BODIES = {
  event: {
    type: 'object',
    description: 'a ContactEvent as in NDJSON input (docs/connectors.md); tenant from the URL',
    additionalProperties: true,
  },
  segmentIdentify: {
    type: 'object',
    description: 'a Segment identify call (userId, anonymousId, traits, messageId, timestamp)',
    additionalProperties: true,
  },
  segmentBatch: {
    ...object(
      {
        batch: {
          type: 'array',
          items: { type: 'object', additionalProperties: true },
          description: 'identify calls',
        },
      },
      ['batch'],
    ),
    // Segment's libraries send sentAt, context, writeKey... beside the batch
    additionalProperties: true,
  },
  eventBatch: {
    description: 'a JSON array of events, or NDJSON (Content-Type: application/x-ndjson)',
    anyOf: [{ type: 'array', items: { type: 'object', additionalProperties: true } }, str],
  },
  batchGet: object({
    identifiers: {
      type: 'array',
      minItems: 1,
      maxItems: BATCH_GET_MAX,
      items: object({
        type: { ...str, minLength: 1 },
        value: { ...str, description: 'as sent; normalised by the tenant before looking' },
      }),
    },
  }),
}

const cursorParam = {
  ...str,
  minLength: 1,
  maxLength: 1024,
  description: "an answer's nextCursor, to get the next page",
}

const strings = (description: string, maxLength: number): JsonSchema => ({
  type: 'array',
  items: { ...str, minLength: 1, maxLength },
  maxItems: SEARCH_LIMITS.maxFilters,
  description,
})

export const QUERIES = {
  explain: object({ a: pairPart('the first'), b: pairPart('the second') }),
  search: object(
    {
      q: {
        ...str,
        maxLength: SEARCH_LIMITS.maxQueryLength,
        description: `words (at most ${SEARCH_LIMITS.maxTerms}) to find in identifiers and attributes; the last one also as a prefix`,
      },
      filter: strings(
        'repeatable; name:from..to (number or datetime range, either end optional), name:value (true/false, a number, a date, year or month)',
        256,
      ),
      has: strings('repeatable; an identifier type the profile must hold', 128),
      match: {
        type: 'string',
        enum: ['all', 'any'],
        default: 'all',
        description: 'all: every word of q, filter and has must match; any: at least one',
      },
      limit: {
        type: 'integer',
        minimum: 1,
        maximum: SEARCH_LIMITS.maxLimit,
        default: SEARCH_LIMITS.defaultLimit,
      },
      cursor: cursorParam,
    },
    [],
  ),
  timeline: object(
    {
      limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
      cursor: cursorParam,
    },
    [],
  ),
}
