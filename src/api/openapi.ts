/**
 * /openapi.json: an OpenAPI 3.1 document generated from the route table (routes.ts) and the
 * shared schemas (schemas.ts), the same objects fastify validates and serialises with. Fastify
 * references shared schemas as `Name#`; the document references `#/components/schemas/Name`.
 * OpenAPI 3.1 uses JSON Schema 2020-12, so the schemas go in unchanged otherwise.
 */
import { ROUTES, type RouteSpec } from './routes.js'
import { SHARED_SCHEMAS, type JsonSchema } from './schemas.js'

export interface OpenApiOptions {
  readonly version: string
  /**
   * Whether the server checks tokens (it has a tokens file). Only then do tenant routes declare
   * the bearer requirement: a server without one checks nothing, and a document that claimed
   * otherwise would misdescribe it (an outside fuzzer rightly reports the mismatch).
   */
  readonly secured: boolean
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

/** Deep copy with fastify's `Name#` references turned into component references. */
function toDocument(schema: unknown): Json {
  if (Array.isArray(schema)) return schema.map(toDocument)
  if (schema === null || typeof schema !== 'object') return schema as Json
  const out: { [key: string]: Json } = {}
  for (const [k, v] of Object.entries(schema)) {
    if (k === '$ref' && typeof v === 'string' && v.endsWith('#') && !v.startsWith('#'))
      out[k] = `#/components/schemas/${v.slice(0, -1)}`
    else if (k !== '$id') out[k] = toDocument(v)
  }
  return out
}

function parameters(route: RouteSpec): Json[] {
  const out: Json[] = []
  const add = (where: 'path' | 'query', schema: JsonSchema | undefined) => {
    if (schema === undefined) return
    const properties = (schema.properties ?? {}) as Record<string, JsonSchema>
    const required = new Set((schema.required ?? []) as string[])
    for (const [name, s] of Object.entries(properties)) {
      const { description, ...rest } = s
      out.push({
        name,
        in: where,
        required: where === 'path' || required.has(name),
        ...(typeof description === 'string' ? { description } : {}),
        schema: toDocument(rest),
      })
    }
  }
  add('path', route.schema.params)
  add('query', route.schema.querystring)
  return out
}

/** Fastify's `:param` → `{param}`; its `::` (a literal colon, as in `identifiers:batchGet`) → `:`. */
export function openApiPath(url: string): string {
  return url
    .split('::')
    .map((part) => part.replace(/:([A-Za-z]+)/g, '{$1}'))
    .join(':')
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: 'OK',
  400: 'Malformed request (`bad-request`)',
  404: 'Not found (`not-found`, `deleted`, `tenant-not-found`)',
  401: 'No token, or one the tokens file does not list (`unauthorized`)',
  403: 'The token does not name the tenant or lacks the scope (`forbidden`)',
  422: 'Refused by resolution rule 1 (`unknown-type`, `blocked`, `invalid`)',
  429: "The token's rate limit is used up (`rate-limited`); see Retry-After",
  503: 'Not serving (`unavailable`), or the processor is not running',
}

/** The headers an answer of this status always carries. */
function headersOf(status: number): { [name: string]: Json } {
  const headers: { [name: string]: Json } = {
    'x-request-id': { $ref: '#/components/headers/RequestId' },
  }
  if (status === 401) headers['www-authenticate'] = { $ref: '#/components/headers/WwwAuthenticate' }
  if (status === 429) headers['retry-after'] = { $ref: '#/components/headers/RetryAfter' }
  return headers
}

export function openApiDocument(options: OpenApiOptions): Json {
  const paths: { [path: string]: { [method: string]: Json } } = {}
  for (const route of ROUTES) {
    const path = openApiPath(route.url)
    const responses: { [status: string]: Json } = {}
    for (const [status, schema] of Object.entries(route.schema.response)) {
      responses[status] = {
        description: STATUS_TEXT[Number(status)] ?? status,
        headers: headersOf(Number(status)),
        content: { [route.produces ?? 'application/json']: { schema: toDocument(schema) } },
      }
    }
    const params = parameters(route)
    const body = route.schema.body
    ;(paths[path] ??= {})[route.method.toLowerCase()] = {
      operationId: route.operationId,
      summary: route.summary,
      description: route.description,
      ...(params.length > 0 ? { parameters: params } : {}),
      ...(route.scope === undefined || !options.secured ? {} : { security: [{ bearer: [] }] }),
      ...(body === undefined
        ? {}
        : {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: toDocument(body) } },
            },
          }),
      responses,
    }
  }
  const schemas: { [name: string]: Json } = {}
  for (const [name, schema] of Object.entries(SHARED_SCHEMAS)) schemas[name] = toDocument(schema)
  return {
    openapi: '3.1.0',
    info: {
      title: 'Profile Unifier Profile API',
      version: options.version,
      description:
        'Look up and explain unified profiles (docs/api.md). With a tokens file, tenant routes need a bearer token; without one the server listens on loopback only.',
    },
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            'a token from the tokens file (docs/api.md, "Access"); declared only by a server started with one',
        },
      },
      headers: {
        RequestId: {
          description: 'the id of this request (echoed when the request sent a well-formed one)',
          required: true,
          schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' },
        },
        WwwAuthenticate: {
          description: 'the scheme to authenticate with (Bearer; Basic for a write key)',
          required: true,
          schema: { type: 'string', pattern: '^(Bearer|Basic) ' },
        },
        RetryAfter: {
          description: 'seconds until a request would pass',
          required: true,
          schema: { type: 'string', pattern: '^[0-9]+$' },
        },
      },
    },
  }
}
