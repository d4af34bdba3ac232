/**
 * The route table: every route's method, path, schemas and description as data. The server
 * registers these (server.ts) and /openapi.json is generated from the same table (openapi.ts),
 * so the document cannot drift from what is served.
 */
import { BODIES, PARAMS, QUERIES, ref, type JsonSchema } from './schemas.js'
import type { Scope } from './tokens.js'
import { INGEST_LIMITS } from '../connectors/http-ingest.js'

export type OperationId =
  | 'getProfile'
  | 'getProfileIdentifiers'
  | 'getProfileHistory'
  | 'getIdentifier'
  | 'batchGetIdentifiers'
  | 'explain'
  | 'searchProfiles'
  | 'getProfileTimeline'
  | 'ingestEvent'
  | 'ingestBatch'
  | 'segmentIdentify'
  | 'segmentBatch'
  | 'health'
  | 'metrics'
  | 'openapi'

export interface RouteSpec {
  readonly operationId: OperationId
  readonly method: 'GET' | 'POST'
  /** Fastify syntax (`:param`; `::` is a literal colon). */
  readonly url: string
  readonly summary: string
  readonly description: string
  readonly schema: {
    readonly params?: JsonSchema
    readonly querystring?: JsonSchema
    /** A JSON request body. */
    readonly body?: JsonSchema
    /** Status → schema of its JSON body. */
    readonly response: Readonly<Record<number, JsonSchema>>
  }
  /** The scope a token needs (tenant routes), when the server has a tokens file. */
  readonly scope?: Scope
  /** Bodies that are not JSON (the Prometheus text). */
  readonly produces?: string
  /** Largest request body accepted (bytes); fastify's default (1 MiB) otherwise. */
  readonly bodyLimit?: number
}

export const TENANT_PREFIX = '/v1/tenants/:tenant'

const errors = (...statuses: number[]): Record<number, JsonSchema> =>
  Object.fromEntries(statuses.map((s) => [s, ref('Error')]))

export const ROUTES: readonly RouteSpec[] = [
  {
    operationId: 'getProfile',
    method: 'GET',
    url: `${TENANT_PREFIX}/profiles/:profileId`,
    summary: 'A profile by any id it ever had',
    description:
      'The live profile, in the shape of a profiles.ndjson line. A merged-away id answers the survivor with `resolvedFrom` (the retired id and the merges to the survivor); a deleted id answers 404 `deleted`.',
    schema: {
      params: PARAMS.profile,
      response: { 200: ref('ProfileAnswer'), ...errors(400, 401, 403, 404, 429, 503) },
    },
    scope: 'profiles:read',
  },
  {
    operationId: 'getProfileIdentifiers',
    method: 'GET',
    url: `${TENANT_PREFIX}/profiles/:profileId/identifiers`,
    summary: "A profile's identifiers with the evidence of each",
    description:
      'Each identifier with the event that attached it and the merges that carried it into the profile; `departed`: identifiers a merge brought in that have left since (reassigned to another profile, or detached).',
    schema: {
      params: PARAMS.profile,
      response: { 200: ref('IdentifiersAnswer'), ...errors(400, 401, 403, 404, 429, 503) },
    },
    scope: 'profiles:read',
  },
  {
    operationId: 'getProfileHistory',
    method: 'GET',
    url: `${TENANT_PREFIX}/profiles/:profileId/history`,
    summary: "A profile's merges, reassignments and refused merges",
    description:
      "Merges into it, reassignments from and to it, refused merges involving it: for every id of its set, by event time, oldest first, each with eventId, timestamp and the identifier it went through. A merged-away id answers its survivor's history.",
    schema: {
      params: PARAMS.profile,
      response: { 200: ref('HistoryAnswer'), ...errors(400, 401, 403, 404, 429, 503) },
    },
    scope: 'profiles:read',
  },
  {
    operationId: 'getIdentifier',
    method: 'GET',
    url: `${TENANT_PREFIX}/identifiers/:type/:value`,
    summary: 'The profile holding an identifier',
    description:
      "The value is normalised with the tenant's rules first (`+1 (212) 555-0100` finds `+12125550100`). A blocked, invalid or unknown-type value answers 422 naming the rule; an identifier nobody holds, 404.",
    schema: {
      params: PARAMS.identifier,
      response: { 200: ref('IdentifierAnswer'), ...errors(400, 401, 403, 404, 422, 429, 503) },
    },
    scope: 'profiles:read',
  },
  {
    operationId: 'batchGetIdentifiers',
    method: 'POST',
    url: `${TENANT_PREFIX}/identifiers::batchGet`,
    summary: 'Up to 1,000 identifiers in one call',
    description:
      'Each identifier is looked up as by GET /identifiers/{type}/{value}, all from one snapshot of the state. The results are in the order asked, each with the identifier as sent and either the profile (status 200) or the error the single lookup would answer (404, 422).',
    schema: {
      params: PARAMS.tenant,
      body: BODIES.batchGet,
      response: { 200: ref('BatchGetAnswer'), ...errors(400, 401, 403, 404, 429, 503) },
    },
    scope: 'profiles:read',
  },
  {
    operationId: 'explain',
    method: 'GET',
    url: `${TENANT_PREFIX}/explain`,
    summary: 'Why two identifiers are, or are not, in one profile',
    description:
      'Together: `steps`, the events that joined them. Apart: `reason`, the decision that keeps them apart (a reassignment, different anchors, a limit, or no connection).',
    schema: {
      params: PARAMS.tenant,
      querystring: QUERIES.explain,
      response: { 200: ref('ExplainAnswer'), ...errors(400, 401, 403, 404, 422, 429, 503) },
    },
    scope: 'profiles:read',
  },
  {
    operationId: 'searchProfiles',
    method: 'GET',
    url: `${TENANT_PREFIX}/search`,
    summary: 'Find profiles by keyword and typed filters',
    description:
      'Keyword search over identifiers and attributes (`q=smith`, `q=1980`), typed filters (`filter=points:100..200`, `filter=birthday:1980`, `filter=newsletter_opt_in:true`, `has=phone`), combined with `match=all` (default) or `any`. Ranked by score, then profileId; `nextCursor` pages on. A bad parameter answers 400 naming it. Merged-away and deleted profiles are never returned.',
    schema: {
      params: PARAMS.tenant,
      querystring: QUERIES.search,
      response: { 200: ref('SearchAnswer'), ...errors(400, 401, 403, 404, 429, 503) },
    },
    scope: 'profiles:read',
  },
  {
    operationId: 'getProfileTimeline',
    method: 'GET',
    url: `${TENANT_PREFIX}/profiles/:profileId/timeline`,
    summary: "A profile's timeline, newest first",
    description:
      "Notes and conversation records of every profile merged into it (resolution rule 8), newest first, capped by the tenant's timelineCap, a page at a time (`nextCursor`). A merged-away id answers the survivor's; a deleted id answers 404 `deleted`.",
    schema: {
      params: PARAMS.profile,
      querystring: QUERIES.timeline,
      response: { 200: ref('TimelineAnswer'), ...errors(400, 401, 403, 404, 429, 503) },
    },
    scope: 'profiles:read',
  },
  {
    operationId: 'ingestEvent',
    method: 'POST',
    url: `${TENANT_PREFIX}/events`,
    summary: 'Write one contact event',
    description:
      "202 once the log holds it (Kafka: acks all; embedded: the local log), where the processor resolves it (embedded: visible here within a second). The event's source is the token's. 400 names the field that is wrong; sending the same eventId again is harmless (rule 9).",
    schema: {
      params: PARAMS.tenant,
      body: BODIES.event,
      response: { 202: ref('IngestAccepted'), ...errors(400, 401, 403, 413, 429, 503) },
    },
    scope: 'events:write',
    bodyLimit: INGEST_LIMITS.maxRequestBytes,
  },
  {
    operationId: 'ingestBatch',
    method: 'POST',
    url: `${TENANT_PREFIX}/events::batch`,
    summary: 'Write up to 2,500 contact events',
    description:
      'A JSON array, or NDJSON with Content-Type application/x-ndjson; at most 500 KB per request and 32 KB per event (413 past them). All or nothing: one invalid event and nothing is written (400 lists every problem: index, field, reason); 202 once the log holds them all.',
    schema: {
      params: PARAMS.tenant,
      body: BODIES.eventBatch,
      response: { 202: ref('IngestAccepted'), ...errors(400, 401, 403, 413, 429, 503) },
    },
    scope: 'events:write',
    bodyLimit: INGEST_LIMITS.maxRequestBytes,
  },
  {
    operationId: 'segmentIdentify',
    method: 'POST',
    url: '/v1/identify',
    summary: 'A Segment-compatible identify call',
    description:
      "As Segment's and RudderStack's HTTP API take it, with the write key (a token with events:write and one tenant) as HTTP Basic user name. userId becomes the tenant's anchor, traits the identifiers and attributes of the same names (or as the write key's mapping says), messageId the eventId. 202 once the log holds it; 400 names what is wrong, unlike Segment nothing is silently dropped (ignored traits are listed).",
    schema: {
      body: BODIES.segmentIdentify,
      response: { 202: ref('IngestAccepted'), ...errors(400, 401, 403, 413, 429, 503) },
    },
    bodyLimit: INGEST_LIMITS.maxRequestBytes,
  },
  {
    operationId: 'segmentBatch',
    method: 'POST',
    url: '/v1/batch',
    summary: 'A Segment-compatible batch of identify calls',
    description:
      'As /v1/identify, for `{"batch": [...]}`: all or nothing; a call of another type (track, page) is refused by name.',
    schema: {
      body: BODIES.segmentBatch,
      response: { 202: ref('IngestAccepted'), ...errors(400, 401, 403, 413, 429, 503) },
    },
    bodyLimit: INGEST_LIMITS.maxRequestBytes,
  },
  {
    operationId: 'health',
    method: 'GET',
    url: '/health',
    summary: "The processor's state",
    description: '200 while it runs (restoring included), 503 once it failed or is stopping.',
    schema: { response: { 200: ref('Health'), 503: ref('Health') } },
  },
  {
    operationId: 'metrics',
    method: 'GET',
    url: '/metrics',
    summary: 'Prometheus metrics',
    description: 'The Prometheus text exposition format.',
    schema: { response: { 200: { type: 'string' } } },
    produces: 'text/plain',
  },
  {
    operationId: 'openapi',
    method: 'GET',
    url: '/openapi.json',
    summary: 'This document',
    description: 'OpenAPI 3.1, generated from the route table the server runs.',
    schema: { response: { 200: { type: 'object', additionalProperties: true } } },
  },
]
