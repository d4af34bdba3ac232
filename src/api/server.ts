import { randomUUID } from 'node:crypto'
import { AjvCompiler, type RouteDefinition, type ValidatorFactory } from '@fastify/ajv-compiler'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import type { Registry } from 'prom-client'
import type { Logger } from '../ports/logger.js'
import type { ProcessorHealth } from '../runtime/processor.js'
import type { TopicPartitionLag } from '../runtime/identity-event-replica.js'
import type { PartitionLag } from '../runtime/state-replica.js'
import type { ContactEvent } from '../core/types.js'
import { batchItems, ingestEvents } from '../connectors/http-ingest.js'
import { segmentIdentify, type TenantFields } from '../connectors/segment.js'
import { errorBody } from './errors.js'
import { registerExplorer, type ExplorerOptions } from './explorer.js'
import { openApiDocument } from './openapi.js'
import type { Answer, ProfileReadSide } from './read-side.js'
import { ROUTES, type OperationId } from './routes.js'
import type { SearchParams } from './search-query.js'
import { SHARED_SCHEMAS } from './schemas.js'
import type { AccessControl, Scope } from './tokens.js'

/**
 * /health: the processor's state, and a read replica's lag where the API reads one (`history`:
 * its index of the identity-event topics).
 */
export type ApiHealth = ProcessorHealth & {
  readonly replica?: readonly PartitionLag[]
  readonly history?: readonly TopicPartitionLag[]
}

export interface ApiAppOptions {
  readonly health: () => ApiHealth
  readonly metrics: Registry
  /**
   * The read side the tenant routes answer from; null (or absent) while there is none (the
   * embedded service starting, or `unifier run`, whose Kafka read replica is not built yet):
   * those routes then answer 503 `unavailable`.
   */
  readonly profiles?: () => ProfileReadSide | null
  /** One info line per request: method, route pattern, status, time; never the URL's values. */
  readonly logger?: Logger
  /**
   * Tokens (tokens.ts): with them, routes with a scope answer 401/403/429 unless the bearer
   * token may; without them (null or absent) there is no access control, and the caller must
   * listen on loopback only.
   */
  readonly access?: AccessControl | null
  /** The document's info.version. */
  readonly version?: string
  /** A read replica's lag (offsets behind), sent as `x-replica-lag` on every answer. */
  readonly lagHeader?: () => string
  /** Where ingested events go; null (or absent): the ingest routes answer 503. */
  readonly ingest?: () => IngestSink | null
  /** What Segment-compatible calls map to for a tenant; null: the tenant is not configured. */
  readonly tenantFields?: (tenant: string) => TenantFields | null
  /** The explorer page at `/` (explorer.ts); absent: not served. */
  readonly explorer?: ExplorerOptions
}

/** The log ingested events are written to; `append` resolves once it holds them all. */
export interface IngestSink {
  append(events: readonly ContactEvent[]): Promise<void>
}

/**
 * The sink could not take the events now (its buffer is full, or the log did not acknowledge
 * them): 503 with Retry-After. Sending the same events again is harmless (rule 9).
 */
export class IngestBusyError extends Error {
  override readonly name = 'IngestBusyError'
  constructor(
    readonly retryAfterSeconds: number,
    message = 'the log cannot take more events now',
  ) {
    super(message)
  }
}

export interface ApiServerOptions extends ApiAppOptions {
  readonly host: string
  readonly port: number
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The name of the token that authorised the request (access control on). */
    tokenName?: string
    /** The source the authorising token writes as (events:write). */
    tokenSource?: string | null
  }
}

const validators = AjvCompiler()
/** What fastify hands the compiler a factory builds (its types name the wrong signature). */
type RouteValidatorCompiler = (route: RouteDefinition) => unknown
/**
 * Path and query parameters arrive as text and are read as their declared types (fastify's
 * coercion); a JSON body is taken as sent: no `null` read as `""` or `1` as `"1"` (found by
 * schemathesis: `{"value": null}` passed as an empty identifier).
 */
const buildValidator = ((...[externalSchemas, options]: Parameters<typeof validators>) => {
  const text = validators(externalSchemas, options) as unknown as RouteValidatorCompiler
  const bodyOptions = {
    ...options,
    customOptions: { ...options?.customOptions, coerceTypes: false },
  } as Parameters<typeof validators>[1]
  const json = validators(externalSchemas, bodyOptions) as unknown as RouteValidatorCompiler
  return (route: RouteDefinition) => (route.httpPart === 'body' ? json : text)(route)
}) as unknown as ValidatorFactory

/** An incoming x-request-id is echoed only when it looks like an id (no log injection). */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

type Params = Record<string, string>
type Query = Record<string, string>

/**
 * The HTTP API, not listening yet (tests use `inject`). Routes come from the route table
 * (routes.ts) with their schemas: fastify validates each request against them and serialises
 * each response through them; /openapi.json is generated from the same table.
 * GET /health: 200 while the processor runs (partitions restoring included), 503 once it failed
 * or is stopping. GET /metrics: Prometheus text. Tenant routes: docs/api.md.
 */
export async function buildApiServer(options: ApiAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    requestIdHeader: false,
    genReqId: (req) => {
      const sent = req.headers['x-request-id']
      return typeof sent === 'string' && REQUEST_ID.test(sent) ? sent : randomUUID()
    },
    // identifier values travel in the path: allow long ones (fastify's default is 100)
    routerOptions: { maxParamLength: 2048 },
    // a request with a property its schema does not allow is refused (400), as the document
    // says, rather than stripped silently (fastify's default)
    ajv: { customOptions: { removeAdditional: false } },
    schemaController: { compilersFactory: { buildValidator } },
  })
  for (const [name, schema] of Object.entries(SHARED_SCHEMAS))
    app.addSchema({ $id: name, ...schema })
  // NDJSON batches reach the handler as text (ingest splits the lines)
  app.addContentTypeParser('application/x-ndjson', { parseAs: 'string' }, (_req, body, done) =>
    done(null, body),
  )

  const lagHeader = options.lagHeader
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id)
    if (lagHeader !== undefined) reply.header('x-replica-lag', lagHeader())
  })
  const access = options.access ?? null
  if (access !== null) {
    app.addHook('onRequest', async (request, reply) => {
      const scope = (request.routeOptions.config as { scope?: Scope }).scope
      if (scope === undefined) return
      const tenant = (request.params as Params).tenant ?? ''
      const header = request.headers.authorization
      const decision = access.check(typeof header === 'string' ? header : undefined, tenant, scope)
      if (decision.ok) {
        request.tokenName = decision.token.name
        request.tokenSource = decision.token.source
        return
      }
      switch (decision.status) {
        case 401:
          return reply
            .code(401)
            .header('www-authenticate', 'Bearer realm="profile-unifier"')
            .send(errorBody('unauthorized', decision.message))
        case 403:
          return reply.code(403).send(errorBody('forbidden', decision.message))
        case 429:
          return reply
            .code(429)
            .header('retry-after', String(decision.retryAfterSeconds))
            .send(
              errorBody(
                'rate-limited',
                `the token's rate limit is used up; retry after ${decision.retryAfterSeconds} s`,
              ),
            )
      }
    })
  }
  const log = options.logger
  if (log !== undefined) {
    app.addHook('onResponse', async (request, reply) => {
      log.info(
        {
          reqId: request.id,
          ...(request.tokenName === undefined ? {} : { token: request.tokenName }),
          method: request.method,
          route: request.routeOptions.url ?? 'unmatched',
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime * 10) / 10,
        },
        'request',
      )
    })
  }
  app.setNotFoundHandler(async (_request, reply) =>
    reply.code(404).send(errorBody('route-not-found', 'no route has this method and path')),
  )
  app.setErrorHandler(
    async (error: Error & { statusCode?: number; validation?: unknown }, request, reply) => {
      const status = error.statusCode ?? 500
      if (status === 413)
        return reply.code(413).send(errorBody('too-large', 'the request body is over the limit'))
      if (error.validation !== undefined || (status >= 400 && status < 500))
        // validation messages name the parameter and the rule, never the value sent
        return reply.code(400).send(errorBody('bad-request', error.message))
      log?.error({ reqId: request.id, err: error.message }, 'request failed')
      return reply.code(500).send(errorBody('internal', 'the request failed; see the server log'))
    },
  )

  const document = openApiDocument({ version: options.version ?? '0', secured: access !== null })
  /** A read route: 503 while there is no read side, else the answer (or its error). */
  const reading =
    <T>(ask: (side: ProfileReadSide, p: Params, request: FastifyRequest) => Promise<Answer<T>>) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      const side = options.profiles?.() ?? null
      if (side === null)
        return reply
          .code(503)
          .send(errorBody('unavailable', 'no profile state is served here (yet); see docs/api.md'))
      const a = await ask(side, request.params as Params, request)
      return a.ok
        ? reply.code(200).send(a.body)
        : reply.code(a.status).send(errorBody(a.code, a.message))
    }
  const ingest = (request: FastifyRequest, reply: FastifyReply, items: unknown[]) =>
    write(reply, items, {
      tenant: (request.params as Params).tenant ?? '',
      source: request.tokenSource ?? null,
    })
  const write = async (
    reply: FastifyReply,
    items: unknown[],
    to: { tenant: string; source: string | null },
    ignored?: readonly string[],
  ) => {
    const sink = options.ingest?.() ?? null
    if (sink === null)
      return reply
        .code(503)
        .send(errorBody('unavailable', 'this server does not take events (docs/connectors.md)'))
    const parsed = ingestEvents(items, to)
    if (!parsed.ok)
      return reply.code(parsed.status).send(errorBody(parsed.code, parsed.message, parsed.problems))
    try {
      await sink.append(parsed.events)
    } catch (err) {
      if (!(err instanceof IngestBusyError)) throw err
      return reply
        .code(503)
        .header('retry-after', String(err.retryAfterSeconds))
        .send(errorBody('unavailable', err.message))
    }
    return reply.code(202).send({
      accepted: parsed.events.length,
      eventIds: parsed.events.map((e) => e.eventId),
      ...(ignored === undefined ? {} : { ignored }),
    })
  }
  /** Segment-compatible calls: the write key decides the tenant and the source. */
  const segment = async (request: FastifyRequest, reply: FastifyReply, calls: unknown[]) => {
    if (access === null)
      return reply
        .code(401)
        .header('www-authenticate', 'Basic realm="profile-unifier"')
        .send(errorBody('unauthorized', 'Segment-compatible calls need a write key: a tokens file'))
    const decision = access.checkWriteKey(request.headers.authorization)
    if (!decision.ok) {
      if (decision.status === 429)
        return reply
          .code(429)
          .header('retry-after', String(decision.retryAfterSeconds))
          .send(errorBody('rate-limited', "the write key's rate limit is used up"))
      if (decision.status === 401)
        return reply
          .code(401)
          .header('www-authenticate', 'Basic realm="profile-unifier"')
          .send(errorBody('unauthorized', decision.message))
      return reply.code(403).send(errorBody('forbidden', decision.message))
    }
    request.tokenName = decision.token.name
    const tenant = decision.token.tenants[0] as string
    const fields = options.tenantFields?.(tenant) ?? null
    if (fields === null)
      return reply.code(403).send(errorBody('forbidden', 'the write key names an unknown tenant'))
    const inputs: unknown[] = []
    const problems: Array<{ index: number; field: string | null; reason: string }> = []
    const ignored = new Set<string>()
    calls.forEach((call, index) => {
      const mapped = segmentIdentify(call, fields, decision.token.segment ?? {})
      if (!mapped.ok) problems.push({ index, field: mapped.field, reason: mapped.reason })
      else {
        inputs.push(mapped.input)
        for (const name of mapped.ignored) ignored.add(name)
      }
    })
    if (problems.length > 0)
      return reply
        .code(400)
        .send(
          errorBody(
            'invalid-events',
            `${problems.length} of ${calls.length} calls are invalid; nothing was written`,
            problems,
          ),
        )
    return write(reply, inputs, { tenant, source: decision.token.source }, [...ignored].sort())
  }
  const handlers: Record<
    OperationId,
    (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>
  > = {
    getProfile: reading((side, p) => side.profile(p.tenant ?? '', p.profileId ?? '')),
    getProfileIdentifiers: reading((side, p) =>
      side.identifiers(p.tenant ?? '', p.profileId ?? ''),
    ),
    getProfileHistory: reading((side, p) => side.history(p.tenant ?? '', p.profileId ?? '')),
    getIdentifier: reading((side, p) =>
      side.identifier(p.tenant ?? '', p.type ?? '', p.value ?? ''),
    ),
    batchGetIdentifiers: reading((side, p, request) =>
      side.batchGet(
        p.tenant ?? '',
        (request.body as { identifiers: Array<{ type: string; value: string }> }).identifiers,
      ),
    ),
    explain: reading((side, p, request) => {
      const q = request.query as Query
      return side.explain(p.tenant ?? '', q.a ?? '', q.b ?? '')
    }),
    searchProfiles: reading((side, p, request) =>
      side.search(p.tenant ?? '', request.query as SearchParams),
    ),
    getProfileTimeline: reading((side, p, request) => {
      const q = request.query as { limit?: number; cursor?: string }
      return side.timeline(p.tenant ?? '', p.profileId ?? '', q.limit ?? 20, q.cursor)
    }),
    ingestEvent: async (request, reply) => ingest(request, reply, [request.body]),
    segmentIdentify: async (request, reply) => segment(request, reply, [request.body]),
    segmentBatch: async (request, reply) =>
      segment(request, reply, (request.body as { batch: unknown[] }).batch),
    ingestBatch: async (request, reply) => {
      const items = batchItems(request.body)
      if (items === null)
        return reply
          .code(400)
          .send(errorBody('bad-request', 'a JSON array of events, or NDJSON, is expected'))
      return ingest(request, reply, items)
    },
    health: async (_request, reply) => {
      const health = options.health()
      const ok = health.status === 'running' || health.status === 'starting'
      return reply.code(ok ? 200 : 503).send(health)
    },
    metrics: async (_request, reply) => {
      const body = await options.metrics.metrics()
      return reply.type(options.metrics.contentType).send(body)
    },
    openapi: async (_request, reply) => reply.send(document),
  }

  for (const route of ROUTES) {
    app.route({
      method: route.method,
      url: route.url,
      schema: route.schema,
      config: { scope: route.scope },
      ...(route.bodyLimit === undefined ? {} : { bodyLimit: route.bodyLimit }),
      handler: handlers[route.operationId],
    })
  }
  if (options.explorer !== undefined) await registerExplorer(app, options.explorer)
  return app
}

export async function startApiServer(options: ApiServerOptions): Promise<FastifyInstance> {
  const app = await buildApiServer(options)
  await app.listen({ host: options.host, port: options.port })
  return app
}
