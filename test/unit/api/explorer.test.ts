/**
 * What the explorer page needs of the server (its behaviour in a browser:
 * test/browser/explorer.browser.test.ts): the page's files at `/` with a strict CSP, the tenant
 * list for its picker, the files shipped in the npm package, and attribute provenance in the
 * profile answers it shows.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildApiServer } from '../../../src/api/server.js'
import { packageRoot } from '../../../src/cli/package-root.js'
import { PrometheusMetrics } from '../../../src/runtime/metrics.js'
import { sampleReadSide } from './sample-state.js'

async function app(explorer?: { tenants: string[] }) {
  const { readSide, profileOf } = await sampleReadSide()
  const server = await buildApiServer({
    health: () => ({ status: 'running', generation: 1, partitions: [] }),
    metrics: new PrometheusMetrics().registry,
    profiles: () => readSide,
    ...(explorer === undefined ? {} : { explorer }),
  })
  return { server, profileOf }
}

describe('the explorer page', () => {
  it('is served at / with its script and stylesheet, same-origin only (CSP)', async () => {
    const { server } = await app({ tenants: ['acme', 'boutique-fr'] })
    try {
      const page = await server.inject({ method: 'GET', url: '/' })
      expect(page.statusCode).toBe(200)
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8')
      expect(page.headers['content-security-policy']).toContain("script-src 'self'")
      expect(page.headers['content-security-policy']).toContain("connect-src 'self'")
      expect(page.body).toContain('<script type="module" src="/explorer/app.js">')
      for (const [url, type] of [
        ['/explorer/app.js', 'text/javascript'],
        ['/explorer/graph.js', 'text/javascript'],
        ['/explorer/app.css', 'text/css'],
      ] as const) {
        const r = await server.inject({ method: 'GET', url })
        expect([url, r.statusCode, r.headers['content-type']]).toEqual([
          url,
          200,
          `${type}; charset=utf-8`,
        ])
      }
      const tenants = await server.inject({ method: 'GET', url: '/explorer/tenants.json' })
      expect(tenants.json()).toEqual({ tenants: ['acme', 'boutique-fr'] })
    } finally {
      await server.close()
    }
  })

  it('is not served by a server built without it', async () => {
    const { server } = await app()
    try {
      const r = await server.inject({ method: 'GET', url: '/' })
      expect([r.statusCode, r.json().error.code]).toEqual([404, 'route-not-found'])
    } finally {
      await server.close()
    }
  })

  it('ships in the npm package (package.json files) and the Docker image', async () => {
    const pkg = JSON.parse(await readFile(join(packageRoot(), 'package.json'), 'utf8')) as {
      files: string[]
    }
    expect(pkg.files).toContain('explorer')
    const dockerfile = await readFile(join(packageRoot(), 'Dockerfile'), 'utf8')
    expect(dockerfile).toContain('COPY explorer ./explorer')
  })
})

describe('profile answers carry attribute provenance', () => {
  it('names, for each attribute, the event whose value the profile holds', async () => {
    const { server, profileOf } = await app()
    try {
      const c1 = await profileOf('customer_id', 'C1')
      const r = await server.inject({ method: 'GET', url: `/v1/tenants/acme/profiles/${c1}` })
      const body = r.json()
      expect(Object.keys(body.provenance).sort()).toEqual(Object.keys(body.attributes).sort())
      // points: 120 from the call centre (event 2), then 150 from the store (event 3)
      expect(body.attributes.points).toBe(150)
      expect(body.provenance.points).toEqual({
        eventId: 'store-0001',
        source: 'store',
        timestamp: Date.parse('2024-05-02T16:40:00Z'),
      })
      expect(body.provenance.first_name.eventId).toBe('web-0001')
      const byIdentifier = await server.inject({
        method: 'GET',
        url: '/v1/tenants/acme/identifiers/email/ann%40x.com',
      })
      expect(byIdentifier.json().provenance).toEqual(body.provenance)
    } finally {
      await server.close()
    }
  })
})
