/**
 * HTTP ingest (issue: connectors, point 3) through the API server with fastify's inject: 202
 * only once the sink holds every event, the token's source and the URL's tenant enforced,
 * all-or-nothing 400 with per-item problems, 413 past the limits, 401/403, 503 when the log is
 * busy. The embedded end to end (an accepted event visible in the Profile API) is in
 * test/unit/embedded/start-serves.test.ts.
 */
import type { FastifyInstance } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { IngestBusyError, buildApiServer, type IngestSink } from '../../../src/api/server.js'
import { AccessControl, newToken, parseTokensFile } from '../../../src/api/tokens.js'
import type { ContactEvent } from '../../../src/core/types.js'
import { PrometheusMetrics } from '../../../src/runtime/metrics.js'

const web = newToken()
const reader = newToken()
const app2 = newToken()
const wide = newToken()
const FILE = `
tokens:
  - name: web-shop
    sha256: ${web.sha256}
    tenants: [acme]
    scopes: [events:write]
    source: web
  - name: support-desk
    sha256: ${reader.sha256}
    tenants: [acme]
    scopes: [profiles:read]
  - name: mobile-app
    sha256: ${app2.sha256}
    tenants: [acme]
    scopes: [events:write]
    source: app
    segment:
      anonymousId: device_id
      traits: { firstName: first_name, mobile: phone }
  - name: two-tenants
    sha256: ${wide.sha256}
    tenants: [acme, globex]
    scopes: [events:write]
    source: app
`

let app: FastifyInstance
let written: ContactEvent[]
let sink: IngestSink | null

beforeEach(async () => {
  written = []
  sink = { append: async (events) => void written.push(...events) }
  app = await buildApiServer({
    health: () => ({ status: 'running', generation: 1, partitions: [] }),
    metrics: new PrometheusMetrics().registry,
    access: new AccessControl(parseTokensFile(FILE)),
    ingest: () => sink,
    tenantFields: (tenant) =>
      tenant === 'acme'
        ? {
            anchor: 'customer_id',
            identifierTypes: new Set(['customer_id', 'email', 'phone', 'device_id']),
            attributes: new Set(['first_name', 'last_name']),
          }
        : null,
  })
})
afterEach(async () => {
  await app.close()
})

const ann = {
  eventId: 'web-1',
  identifiers: { customer_id: 'C1', email: 'ann@x.com' },
  attributes: { first_name: 'Ann' },
  timestamp: '2024-05-01T09:00:00Z',
}
const post = (url: string, payload: unknown, token = web.token, contentType?: string) =>
  app.inject({
    method: 'POST',
    url,
    payload: payload as string,
    headers: {
      authorization: `Bearer ${token}`,
      ...(contentType === undefined ? {} : { 'content-type': contentType }),
    },
  })

describe('POST /v1/tenants/{tenant}/events', () => {
  it("answers 202 once the log holds the event, written as the token's source for the URL's tenant", async () => {
    const r = await post('/v1/tenants/acme/events', ann)
    expect(r.statusCode).toBe(202)
    expect(r.json()).toEqual({ accepted: 1, eventIds: ['web-1'] })
    expect(written).toHaveLength(1)
    expect(written[0]).toMatchObject({ tenant: 'acme', source: 'web', type: 'identify' })
    expect(written[0]?.timestamp).toBe(Date.parse('2024-05-01T09:00:00Z'))
  })

  it('gives an event without an eventId a time-ordered one (UUIDv7)', async () => {
    const { eventId: _, ...noId } = ann
    const r = await post('/v1/tenants/acme/events', noId)
    expect(r.statusCode).toBe(202)
    expect(r.json().eventIds[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/)
  })

  it('refuses another source than the token writes as, and another tenant than the URL, writing nothing', async () => {
    const other = await post('/v1/tenants/acme/events', { ...ann, source: 'store' })
    expect(other.statusCode).toBe(400)
    expect(other.json().error.problems).toEqual([
      { index: 0, field: 'source', reason: 'the token writes as source web' },
    ])
    const tenant = await post('/v1/tenants/acme/events', { ...ann, tenant: 'globex' })
    expect(tenant.statusCode).toBe(400)
    expect(tenant.json().error.problems[0].field).toBe('tenant')
    expect(written).toEqual([])
  })

  it('answers 401 without a token and 403 without events:write or for another tenant', async () => {
    const none = await app.inject({ method: 'POST', url: '/v1/tenants/acme/events', payload: ann })
    expect(none.statusCode).toBe(401)
    expect((await post('/v1/tenants/acme/events', ann, reader.token)).statusCode).toBe(403)
    expect((await post('/v1/tenants/globex/events', ann)).statusCode).toBe(403)
    expect(written).toEqual([])
  })

  it('answers 413 for an event over 32 KB', async () => {
    const r = await post('/v1/tenants/acme/events', {
      ...ann,
      attributes: { first_name: 'A'.repeat(40_000) },
    })
    expect(r.statusCode).toBe(413)
    expect(r.json().error.code).toBe('too-large')
    expect(written).toEqual([])
  })

  it('answers 503 with Retry-After when the log cannot take events now, and 503 without a log', async () => {
    sink = {
      append: async () => {
        throw new IngestBusyError(2)
      },
    }
    const busy = await post('/v1/tenants/acme/events', ann)
    expect(busy.statusCode).toBe(503)
    expect(busy.headers['retry-after']).toBe('2')
    sink = null
    expect((await post('/v1/tenants/acme/events', ann)).statusCode).toBe(503)
  })
})

describe('POST /v1/tenants/{tenant}/events:batch', () => {
  it('takes a JSON array or NDJSON, all events in order', async () => {
    const a = await post('/v1/tenants/acme/events:batch', [ann, { ...ann, eventId: 'web-2' }])
    expect(a.statusCode).toBe(202)
    const ndjson = [
      { ...ann, eventId: 'web-3' },
      { ...ann, eventId: 'web-4' },
    ]
      .map((e) => JSON.stringify(e))
      .join('\n')
    const b = await post('/v1/tenants/acme/events:batch', ndjson, web.token, 'application/x-ndjson')
    expect(b.statusCode).toBe(202)
    expect(written.map((e) => e.eventId)).toEqual(['web-1', 'web-2', 'web-3', 'web-4'])
  })

  it('is all or nothing: 400 lists every invalid event (index, field, reason), nothing is written', async () => {
    const r = await post('/v1/tenants/acme/events:batch', [
      ann,
      { ...ann, eventId: 'bad-1', identifiers: {} },
      { ...ann, eventId: 'bad-2', timestamp: '2024-02-30' },
    ])
    expect(r.statusCode).toBe(400)
    const { code, problems } = r.json().error
    expect(code).toBe('invalid-events')
    expect(problems.map((p: { index: number; field: string }) => [p.index, p.field])).toEqual([
      [1, 'identifiers'],
      [2, 'timestamp'],
    ])
    expect(written).toEqual([])
  })

  it('answers 413 past 2,500 events or 500 KB', async () => {
    const many = Array.from({ length: 2_501 }, (_, i) => ({
      eventId: `e${i}`,
      identifiers: { email: `${i}@x.com` },
    }))
    const count = await post('/v1/tenants/acme/events:batch', many)
    expect(count.statusCode).toBe(413)
    const big = Array.from({ length: 40 }, (_, i) => ({
      ...ann,
      eventId: `big-${i}`,
      attributes: { first_name: 'A'.repeat(20_000) },
    }))
    const bytes = await post('/v1/tenants/acme/events:batch', big)
    expect(bytes.statusCode).toBe(413)
    expect(written).toEqual([])
  })
})

describe('Segment-compatible POST /v1/identify and /v1/batch', () => {
  const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`
  const call = (url: string, payload: unknown, key = app2.token) =>
    app.inject({
      method: 'POST',
      url,
      payload: payload as string,
      headers: { authorization: basic(key) },
    })
  const identify = {
    type: 'identify',
    userId: 'C1',
    anonymousId: 'dev-7',
    messageId: 'msg-1',
    timestamp: '2024-05-01T09:00:00Z',
    traits: { email: 'ann@x.com', firstName: 'Ann', mobile: '+1 212 555 0100', plan: 'gold' },
  }

  it('maps a call as the write key says: userId the anchor, traits identifiers or attributes, messageId the eventId', async () => {
    const r = await call('/v1/identify', identify)
    expect(r.statusCode).toBe(202)
    expect(r.json()).toEqual({ accepted: 1, eventIds: ['msg-1'], ignored: ['traits.plan'] })
    expect(written[0]).toMatchObject({
      tenant: 'acme',
      source: 'app',
      eventId: 'msg-1',
      timestamp: Date.parse('2024-05-01T09:00:00Z'),
      attributes: { first_name: 'Ann' },
    })
    expect(written[0]?.identifiers).toEqual([
      { type: 'customer_id', value: 'C1' },
      { type: 'device_id', value: 'dev-7' },
      { type: 'email', value: 'ann@x.com' },
      { type: 'phone', value: '+1 212 555 0100' },
    ])
  })

  it('takes a batch of identify calls, all or nothing: a track call is refused by name', async () => {
    // Segment's libraries send sentAt, context... beside the batch
    const ok = await call('/v1/batch', {
      batch: [identify, { ...identify, messageId: 'msg-2' }],
      sentAt: '2024-05-01T09:00:01Z',
      context: { library: { name: 'analytics-node' } },
    })
    expect(ok.statusCode).toBe(202)
    const bad = await call('/v1/batch', {
      batch: [
        { ...identify, messageId: 'msg-3' },
        { type: 'track', event: 'Order Completed' },
      ],
    })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error.problems).toEqual([
      { index: 1, field: 'type', reason: 'only identify calls are taken here, not "track"' },
    ])
    expect(written.map((e) => e.eventId)).toEqual(['msg-1', 'msg-2'])
  })

  it('answers 401 without or with an unknown write key, 403 for a key without events:write or with two tenants', async () => {
    const none = await app.inject({ method: 'POST', url: '/v1/identify', payload: identify })
    expect(none.statusCode).toBe(401)
    expect((await call('/v1/identify', identify, 'pu_unknown')).statusCode).toBe(401)
    expect((await call('/v1/identify', identify, reader.token)).statusCode).toBe(403)
    expect((await call('/v1/identify', identify, wide.token)).statusCode).toBe(403)
    expect(written).toEqual([])
  })
})
