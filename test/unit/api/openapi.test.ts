import { Ajv2020 } from 'ajv/dist/2020.js'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openApiPath } from '../../../src/api/openapi.js'
import { ROUTES } from '../../../src/api/routes.js'
import { buildApiServer } from '../../../src/api/server.js'
import { AccessControl } from '../../../src/api/tokens.js'
import { PrometheusMetrics } from '../../../src/runtime/metrics.js'
import { sampleReadSide } from './sample-state.js'

// ajv is fastify's own validator (a transitive dependency); the document's schemas are JSON
// Schema 2020-12, as OpenAPI 3.1 requires, so its 2020 dialect checks them.

/* eslint-disable @typescript-eslint/no-explicit-any */
let app: FastifyInstance
let doc: any
let c1: string

beforeAll(async () => {
  const { readSide, profileOf } = await sampleReadSide()
  c1 = await profileOf('customer_id', 'C1')
  app = await buildApiServer({
    health: () => ({ status: 'running', generation: 1, partitions: [] }),
    metrics: new PrometheusMetrics().registry,
    profiles: () => readSide,
    version: '1.2.3',
  })
  const r = await app.inject({ url: '/openapi.json' })
  expect(r.statusCode).toBe(200)
  doc = r.json()
})
afterAll(async () => {
  await app.close()
})

function refsIn(node: unknown, out: Set<string>): Set<string> {
  if (Array.isArray(node)) for (const n of node) refsIn(n, out)
  else if (node !== null && typeof node === 'object')
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.add(v)
      else refsIn(v, out)
    }
  return out
}

function resolve(ref: string): unknown {
  expect(ref.startsWith('#/')).toBe(true)
  return ref
    .slice(2)
    .split('/')
    .reduce<any>((node, part) => (node === undefined ? undefined : node[part]), doc)
}

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document with every route, its parameters and responses', () => {
    expect(doc.openapi).toBe('3.1.0')
    expect(doc.info).toMatchObject({ title: expect.any(String), version: '1.2.3' })
    const operations = Object.values(doc.paths).flatMap((p: any) => Object.values(p)) as any[]
    expect(operations.map((o) => o.operationId).sort()).toEqual(
      ROUTES.map((r) => r.operationId).sort(),
    )
    for (const route of ROUTES) {
      const path = openApiPath(route.url)
      const op = doc.paths[path]?.[route.method.toLowerCase()]
      expect(op, path).toBeDefined()
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1])
      const declared = (op.parameters ?? []).filter((p: any) => p.in === 'path')
      expect(declared.map((p: any) => p.name).sort()).toEqual(inPath.sort())
      for (const p of declared) expect(p.required).toBe(true)
      // a success answer: 200, or 202 for the ingest routes (accepted into the log)
      expect(Object.keys(op.responses).some((status) => status === '200' || status === '202')).toBe(
        true,
      )
      for (const response of Object.values(op.responses) as any[]) {
        expect(typeof response.description).toBe('string')
        expect(Object.values(response.content).length).toBe(1)
      }
    }
    // this server has no tokens file: it checks nothing, and its document claims nothing
    expect(operations.filter((o) => o.security !== undefined)).toEqual([])
    const explain = doc.paths['/v1/tenants/{tenant}/explain'].get
    expect(
      explain.parameters.filter((p: any) => p.in === 'query').map((p: any) => [p.name, p.required]),
    ).toEqual([
      ['a', true],
      ['b', true],
    ])
  })

  it('declares the bearer token on every tenant route when the server checks tokens', async () => {
    const secured = await buildApiServer({
      health: () => ({ status: 'running', generation: 1, partitions: [] }),
      metrics: new PrometheusMetrics().registry,
      access: new AccessControl([]),
    })
    const securedDoc = (await secured.inject({ url: '/openapi.json' })).json()
    await secured.close()
    const operations = Object.values(securedDoc.paths).flatMap((p: any) =>
      Object.values(p),
    ) as any[]
    for (const op of operations)
      for (const requirement of op.security ?? [])
        for (const scheme of Object.keys(requirement))
          expect(securedDoc.components.securitySchemes[scheme], scheme).toBeDefined()
    expect(operations.filter((o) => o.security !== undefined).map((o) => o.operationId)).toEqual(
      ROUTES.filter((r) => r.scope !== undefined).map((r) => r.operationId),
    )
  })

  it('references only schemas it defines, and every schema it defines is used', () => {
    const refs = refsIn(doc, new Set())
    for (const ref of refs) expect(resolve(ref), ref).toBeDefined()
    const reachable = new Set<string>()
    const visit = (node: unknown) => {
      for (const ref of refsIn(node, new Set())) {
        if (reachable.has(ref)) continue
        reachable.add(ref)
        visit(resolve(ref))
      }
    }
    visit(doc.paths)
    for (const name of Object.keys(doc.components.schemas))
      expect(reachable, name).toContain(`#/components/schemas/${name}`)
  })

  it("holds valid JSON Schemas, and the server's answers match them", async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true })
    ajv.addSchema({ $id: 'doc', components: doc.components })
    const schemaOf = (path: string, status: number, method = 'get') => {
      const s = doc.paths[path][method].responses[String(status)].content['application/json'].schema
      return ajv.compile(
        JSON.parse(JSON.stringify(s).replaceAll('"#/components', '"doc#/components')),
      )
    }
    const T = '/v1/tenants/acme'
    const cases: Array<[string, string, number]> = [
      ['/v1/tenants/{tenant}/profiles/{profileId}', `${T}/profiles/${c1}`, 200],
      ['/v1/tenants/{tenant}/profiles/{profileId}', `${T}/profiles/p_nobody`, 404],
      [
        '/v1/tenants/{tenant}/profiles/{profileId}/identifiers',
        `${T}/profiles/${c1}/identifiers`,
        200,
      ],
      [
        '/v1/tenants/{tenant}/identifiers/{type}/{value}',
        `${T}/identifiers/email/ann%40x.com`,
        200,
      ],
      ['/v1/tenants/{tenant}/identifiers/{type}/{value}', `${T}/identifiers/email/x`, 422],
      ['/v1/tenants/{tenant}/explain', `${T}/explain?a=email:ann@x.com&b=phone:2125550100`, 200],
      ['/v1/tenants/{tenant}/explain', `${T}/explain?a=customer_id:C1&b=loyalty_card:L9`, 200],
      ['/v1/tenants/{tenant}/explain', `${T}/explain?a=nope`, 400],
      ['/v1/tenants/{tenant}/profiles/{profileId}/history', `${T}/profiles/${c1}/history`, 200],
      ['/health', '/health', 200],
    ]
    const batch = await app.inject({
      method: 'POST',
      url: `${T}/identifiers:batchGet`,
      payload: {
        identifiers: [
          { type: 'email', value: 'ann@x.com' },
          { type: 'email', value: 'nobody@x.com' },
          { type: 'email', value: 'x' },
        ],
      },
    })
    const validateBatch = schemaOf('/v1/tenants/{tenant}/identifiers:batchGet', 200, 'post')
    expect(validateBatch(batch.json()), ajv.errorsText(validateBatch.errors)).toBe(true)
    const mergedAway = (await app.inject({ url: `${T}/profiles/${c1}` })).json().mergedFrom[0]
    cases.push(['/v1/tenants/{tenant}/profiles/{profileId}', `${T}/profiles/${mergedAway}`, 200])
    for (const [path, url, status] of cases) {
      const r = await app.inject({ url })
      expect([url, r.statusCode]).toEqual([url, status])
      const validate = schemaOf(path, status)
      expect(validate(r.json()), `${url}: ${ajv.errorsText(validate.errors)}`).toBe(true)
    }
  })
})
