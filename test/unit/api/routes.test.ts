import type { FastifyInstance } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ProfileReadSide } from '../../../src/api/read-side.js'
import { buildApiServer } from '../../../src/api/server.js'
import { PrometheusMetrics } from '../../../src/runtime/metrics.js'
import { sampleReadSide } from './sample-state.js'
import { assertWorkedExampleAnswers, type Get } from './worked-example-answers.js'

let app: FastifyInstance
let c1: string
const lines: object[] = []

beforeEach(async () => {
  // C3's profile is forgotten after the sample: its id answers 404 `deleted`
  const { readSide, profileOf } = await sampleReadSide([
    { eventId: 'forget-c3', type: 'forget', source: 'crm', ids: { customer_id: 'C3' } },
  ])
  c1 = await profileOf('customer_id', 'C1')
  lines.length = 0
  const logger = {
    debug: () => undefined,
    info: (obj: object) => void lines.push(obj),
    warn: () => undefined,
    error: (obj: object) => void lines.push(obj),
    child: () => logger,
  }
  app = await buildApiServer({
    health: () => ({ status: 'running', generation: 1, partitions: [] }),
    metrics: new PrometheusMetrics().registry,
    profiles: () => readSide,
    logger,
  })
})
afterEach(async () => {
  await app.close()
})

const get: Get = async (url) => {
  const r = await app.inject({ method: 'GET', url })
  const id = r.headers['x-request-id']
  return {
    status: r.statusCode,
    requestId: typeof id === 'string' ? id : undefined,
    body: r.headers['content-type']?.toString().startsWith('application/json') ? r.json() : r.body,
  }
}

const T = '/v1/tenants/acme'

describe('the Profile API over the worked example (inject)', () => {
  it('gives the answers the issue lists', async () => {
    await assertWorkedExampleAnswers(get)
  })

  it("lists a profile's identifiers with their evidence, and the card that moved away", async () => {
    const r = await get(`${T}/profiles/${c1}/identifiers`)
    expect(r.status).toBe(200)
    expect(r.body.identifiers.map((i: { value: string }) => i.value)).toEqual([
      'C1',
      'ann@x.com',
      '+12125550100',
    ])
    expect(r.body.identifiers[2]).toMatchObject({
      attachedBy: { eventId: 'cc-0001', source: 'call_center' },
      merges: [{ survivor: c1, eventId: 'web-0002', via: { type: 'phone' } }],
    })
    expect(r.body.departed).toEqual([
      expect.objectContaining({
        type: 'loyalty_card',
        value: 'L9',
        kind: 'reassigned',
        arrived: expect.objectContaining({ eventId: 'web-0002' }),
        movedBy: expect.objectContaining({ eventId: 'store-0002' }),
      }),
    ])
  })

  it('answers errors as {"error": {code, message}} with a request id', async () => {
    const cases: Array<[string, number, string]> = [
      [`${T}/profiles/p_nobody`, 404, 'not-found'],
      [`${T}/profiles/p_nobody/identifiers`, 404, 'not-found'],
      [`${T}/profiles/p_nobody/history`, 404, 'not-found'],
      [`${T}/identifiers/email/nobody%40x.com`, 404, 'not-found'],
      [`${T}/identifiers/loyalty_card/a%2Fb`, 404, 'not-found'],
      [`${T}/identifiers/email/test%40test.com`, 422, 'blocked'],
      [`${T}/identifiers/phone/12`, 422, 'invalid'],
      [`${T}/identifiers/shoe_size/42`, 422, 'unknown-type'],
      [`${T}/explain?a=email&b=phone:2125550100`, 400, 'bad-request'],
      [`${T}/explain?a=email:ann@x.com`, 400, 'bad-request'],
      [`${T}/explain?a=email:ann@x.com&b=email:nobody@x.com`, 404, 'not-found'],
      [`${T}/explain?a=email:ann@x.com&b=loyalty_card:0000`, 422, 'blocked'],
      ['/v1/tenants/acme/nothing-here', 404, 'route-not-found'],
    ]
    for (const [url, status, code] of cases) {
      const r = await get(url)
      expect([url, r.status, r.body.error?.code]).toEqual([url, status, code])
      expect(typeof r.body.error.message).toBe('string')
      expect(r.requestId).toMatch(/.+/)
    }
    // a well-formed request id is echoed, anything else replaced
    const echoed = await app.inject({
      url: `${T}/profiles/${c1}`,
      headers: { 'x-request-id': 'abc-1' },
    })
    expect(echoed.headers['x-request-id']).toBe('abc-1')
    const replaced = await app.inject({
      url: `${T}/profiles/${c1}`,
      headers: { 'x-request-id': 'no spaces\nplease' },
    })
    expect(replaced.headers['x-request-id']).not.toContain(' ')
  })

  it('looks up many identifiers in one call, each answered as the single lookup would', async () => {
    const sent = [
      { type: 'email', value: ' Ann@X.com ' },
      { type: 'phone', value: '+1 (212) 555-0100' },
      { type: 'loyalty_card', value: 'L9' },
      { type: 'email', value: 'test@test.com' },
      { type: 'email', value: 'nobody@x.com' },
      { type: 'shoe_size', value: '42' },
    ]
    const r = await app.inject({
      method: 'POST',
      url: `${T}/identifiers:batchGet`,
      payload: { identifiers: sent },
    })
    expect(r.statusCode).toBe(200)
    expect(r.headers['x-request-id']).toBeDefined()
    const results = r.json().results as Array<Record<string, any>> // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(results.map((x) => [x.type, x.value, x.status, x.error?.code])).toEqual([
      ['email', ' Ann@X.com ', 200, undefined],
      ['phone', '+1 (212) 555-0100', 200, undefined],
      ['loyalty_card', 'L9', 200, undefined],
      ['email', 'test@test.com', 422, 'blocked'],
      ['email', 'nobody@x.com', 404, 'not-found'],
      ['shoe_size', '42', 422, 'unknown-type'],
    ])
    expect(results[0]?.profile.profileId).toBe(c1)
    expect(results[1]?.profile).toEqual({
      ...results[0]?.profile,
      matched: { type: 'phone', value: '+12125550100' },
    })
    expect(results[2]?.profile.anchor).toEqual({ type: 'customer_id', value: 'C7' })

    const tooMany = await app.inject({
      method: 'POST',
      url: `${T}/identifiers:batchGet`,
      payload: {
        identifiers: Array.from({ length: 1001 }, (_, i) => ({
          type: 'email',
          value: `u${i}@x.com`,
        })),
      },
    })
    expect([tooMany.statusCode, tooMany.json().error.code]).toEqual([400, 'bad-request'])
    const thousand = await app.inject({
      method: 'POST',
      url: `${T}/identifiers:batchGet`,
      payload: {
        identifiers: Array.from({ length: 1000 }, (_, i) => ({
          type: 'email',
          value: `u${i}@x.com`,
        })),
      },
    })
    expect(thousand.statusCode).toBe(200)
    expect(thousand.json().results).toHaveLength(1000)
    const noBody = await app.inject({ method: 'POST', url: `${T}/identifiers:batchGet` })
    expect([noBody.statusCode, noBody.json().error.code]).toEqual([400, 'bad-request'])
    // a property the schema does not allow is refused, not silently dropped (found by schemathesis)
    const typo = await app.inject({
      method: 'POST',
      url: `${T}/identifiers:batchGet`,
      payload: { identifiers: [{ type: 'email', value: 'ann@x.com' }], identifers: [] },
    })
    expect([typo.statusCode, typo.json().error.code]).toEqual([400, 'bad-request'])
    // nor is a JSON null read as an empty string (found by schemathesis)
    const nullValue = await app.inject({
      method: 'POST',
      url: `${T}/identifiers:batchGet`,
      payload: { identifiers: [{ type: 'email', value: null }] },
    })
    expect([nullValue.statusCode, nullValue.json().error.code]).toEqual([400, 'bad-request'])
  })

  it("gives a profile's history: merges into it, reassignments from and to it, refused merges", async () => {
    const h = await get(`${T}/profiles/${c1}/history`)
    expect(h.status).toBe(200)
    const card = await get(`${T}/identifiers/loyalty_card/L9`)
    const c7 = card.body.profileId as string
    expect(
      h.body.entries.map((e: Record<string, unknown>) => [
        e.kind,
        e.eventId,
        e.via ?? e.identifier,
      ]),
    ).toEqual([
      ['merged', 'web-0002', { type: 'phone', value: '+12125550100' }],
      ['merged', 'web-0002', { type: 'loyalty_card', value: 'L9' }],
      ['reassigned', 'store-0002', { type: 'loyalty_card', value: 'L9' }],
    ])
    expect(h.body.entries[2]).toMatchObject({ from: c1, to: c7 })
    // a merged-away id answers its survivor's history
    const retired = (await get(`${T}/profiles/${c1}`)).body.mergedFrom[0]
    expect((await get(`${T}/profiles/${retired}/history`)).body).toEqual(h.body)
    const other = await get(`${T}/profiles/${c7}/history`)
    expect(other.body.entries).toEqual([h.body.entries[2]])

    // a refused merge, on both sides (loyalty_card's limit is 1)
    const { readSide, profileOf } = await sampleReadSide([
      { eventId: 'r1', source: 'store', ids: { loyalty_card: 'L30' } },
      { eventId: 'r2', source: 'store', ids: { loyalty_card: 'L31' } },
      { eventId: 'r3', source: 'store', ids: { loyalty_card: ['L30', 'L31'] } },
    ])
    const target = await profileOf('loyalty_card', 'L30')
    const refused = await profileOf('loyalty_card', 'L31')
    for (const id of [target, refused]) {
      const r = await readSide.history('acme', id)
      if (!r.ok) throw new Error(r.code)
      expect(r.body.entries).toEqual([
        expect.objectContaining({
          kind: 'merge-refused',
          eventId: 'r3',
          target,
          refused,
          limitType: 'loyalty_card',
        }),
      ])
    }
  })

  it('names a reassignment that state alone cannot show (a card attached straight to its first owner)', async () => {
    const { readSide, config, store } = await sampleReadSide([
      { eventId: 'own-1', source: 'store', ids: { customer_id: 'C20', loyalty_card: 'L40' } },
      { eventId: 'own-2', source: 'store', ids: { customer_id: 'C21', loyalty_card: 'L40' } },
    ])
    const r = await readSide.explain('acme', 'customer_id:C20', 'loyalty_card:L40')
    if (!r.ok || r.body.together) throw new Error('expected apart')
    expect(r.body.reason).toMatchObject({
      kind: 'reassigned',
      identifier: { type: 'loyalty_card', value: 'L40' },
      eventId: 'own-2',
    })
    // without the history index, state says only what it can: two anchors
    const stateOnly = await new ProfileReadSide(config, store).explain(
      'acme',
      'customer_id:C20',
      'loyalty_card:L40',
    )
    if (!stateOnly.ok || stateOnly.body.together) throw new Error('expected apart')
    expect(stateOnly.body.reason.kind).toBe('different-anchors')
  })

  it('answers a deleted profile id with 404 `deleted`', async () => {
    const { profileOf } = await sampleReadSide()
    const eve = await profileOf('customer_id', 'C3')
    const r = await get(`${T}/profiles/${eve}`)
    expect([r.status, r.body.error.code]).toEqual([404, 'deleted'])
  })

  it('logs route patterns, never identifier values', async () => {
    await get(`${T}/identifiers/email/${encodeURIComponent('ann@x.com')}`)
    await get(`${T}/explain?a=email:ann@x.com&b=customer_id:C1`)
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatchObject({
      route: '/v1/tenants/:tenant/identifiers/:type/:value',
      status: 200,
    })
    const text = JSON.stringify(lines)
    expect(text).not.toContain('ann')
    expect(text).not.toContain('C1')
  })

  it('answers 503 `unavailable` on tenant routes while there is no read side', async () => {
    const bare = await buildApiServer({
      health: () => ({ status: 'starting', generation: 0, partitions: [] }),
      metrics: new PrometheusMetrics().registry,
    })
    const r = await bare.inject({ url: `${T}/profiles/${c1}` })
    expect([r.statusCode, r.json().error.code]).toEqual([503, 'unavailable'])
    await bare.close()
  })
})
