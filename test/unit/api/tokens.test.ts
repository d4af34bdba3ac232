import type { FastifyInstance } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { buildApiServer } from '../../../src/api/server.js'
import {
  AccessControl,
  hashToken,
  newToken,
  parseTokensFile,
  TokensFileError,
} from '../../../src/api/tokens.js'
import { PrometheusMetrics } from '../../../src/runtime/metrics.js'
import { sampleReadSide } from './sample-state.js'

const desk = newToken()
const other = newToken()
const limited = newToken()
const everyTenant = newToken()

const FILE = `
tokens:
  - name: support-desk
    sha256: ${desk.sha256}
    tenants: [acme]
    scopes: [profiles:read]
  - name: other-shop
    sha256: ${other.sha256}
    tenants: [boutique-fr]
    scopes: [profiles:read]
  - name: batch-job
    sha256: ${limited.sha256}
    tenants: [acme]
    scopes: [profiles:read]
    rateLimit: { perSecond: 1, burst: 2 }
  - name: ops
    sha256: ${everyTenant.sha256}
    tenants: ["*"]
    scopes: [profiles:read]
`

let app: FastifyInstance
let clock = 1_000_000
const logged: object[] = []

beforeEach(async () => {
  const { readSide } = await sampleReadSide()
  clock = 1_000_000
  logged.length = 0
  const logger = {
    debug: () => undefined,
    info: (o: object) => void logged.push(o),
    warn: () => undefined,
    error: () => undefined,
    child: () => logger,
  }
  app = await buildApiServer({
    health: () => ({ status: 'running', generation: 1, partitions: [] }),
    metrics: new PrometheusMetrics().registry,
    profiles: () => readSide,
    access: new AccessControl(parseTokensFile(FILE), () => clock),
    logger,
  })
})
afterEach(async () => {
  await app.close()
})

const URL = '/v1/tenants/acme/identifiers/loyalty_card/L9'
const call = (token: string | null, url = URL) =>
  app.inject({
    url,
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  })

describe('API tokens', () => {
  it('answers 401 without a token or with one the file does not list', async () => {
    for (const r of [
      await call(null),
      await call('pu_not-a-real-token'),
      await app.inject({ url: URL, headers: { authorization: `Basic ${desk.token}` } }),
    ]) {
      expect(r.statusCode).toBe(401)
      expect(r.json().error.code).toBe('unauthorized')
      expect(r.headers['www-authenticate']).toMatch(/^Bearer/)
      expect(r.headers['x-request-id']).toBeDefined()
    }
    expect((await call(desk.token)).statusCode).toBe(200)
  })

  it('answers 403 for a tenant the token does not name; "*" names them all', async () => {
    const r = await call(other.token)
    expect([r.statusCode, r.json().error.code]).toEqual([403, 'forbidden'])
    expect((await call(everyTenant.token)).statusCode).toBe(200)
  })

  it('answers 429 with Retry-After past the rate limit, and lets the next request through once refilled', async () => {
    expect((await call(limited.token)).statusCode).toBe(200)
    expect((await call(limited.token)).statusCode).toBe(200)
    const refused = await call(limited.token)
    expect([refused.statusCode, refused.json().error.code]).toEqual([429, 'rate-limited'])
    expect(refused.headers['retry-after']).toBe('1')
    // other tokens have their own buckets
    expect((await call(desk.token)).statusCode).toBe(200)
    clock += 1000
    expect((await call(limited.token)).statusCode).toBe(200)
    expect((await call(limited.token)).statusCode).toBe(429)
  })

  it('leaves /health, /metrics and /openapi.json open, and logs the token name, never the token', async () => {
    for (const url of ['/health', '/metrics', '/openapi.json'])
      expect((await call(null, url)).statusCode, url).toBe(200)
    await call(desk.token)
    expect(logged.at(-1)).toMatchObject({ token: 'support-desk', status: 200 })
    expect(JSON.stringify(logged)).not.toContain(desk.token)
  })
})

describe('the tokens file', () => {
  it('holds hashes only, and is refused with the entry at fault otherwise', () => {
    expect(parseTokensFile(FILE).map((t) => t.name)).toEqual([
      'support-desk',
      'other-shop',
      'batch-job',
      'ops',
    ])
    expect(hashToken(desk.token)).toBe(desk.sha256)
    const plain = `tokens:\n  - { name: a, sha256: ${desk.token}, tenants: [acme], scopes: [profiles:read] }\n`
    expect(() => parseTokensFile(plain)).toThrow(/tokens\.0\.sha256/)
    const twice = `tokens:\n  - { name: a, sha256: ${desk.sha256}, tenants: [acme], scopes: [profiles:read] }\n  - { name: b, sha256: ${desk.sha256}, tenants: [acme], scopes: [profiles:read] }\n`
    expect(() => parseTokensFile(twice)).toThrow(TokensFileError)
    const scope = `tokens:\n  - { name: a, sha256: ${desk.sha256}, tenants: [acme], scopes: [events:delete] }\n`
    expect(() => parseTokensFile(scope)).toThrow(/scopes/)
  })
})
