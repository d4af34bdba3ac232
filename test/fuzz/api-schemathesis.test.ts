/**
 * An outside API fuzzer against the live server: schemathesis (PyPI) reads /openapi.json of
 * `unifier start` on the bundled sample and sends generated requests, valid and invalid, to
 * every route. It fails on any 5xx, any answer whose body, status, content type or required
 * headers the document does not allow, and any schema-violating request the server accepts; with
 * a tokens file, also on a route that answers without a valid token. The fuzzer draws tenants,
 * identifiers and profile ids from the sample some of the time, so it reaches real profiles,
 * merged-away ids and explain chains, not only 404s.
 *
 * Needs `python3 -m pip install -r test/fuzz/requirements.txt` (.ci/run does); FUZZ_SEED and
 * FUZZ_EXAMPLES vary the run (docs/testing.md).
 */
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newToken } from '../../src/api/tokens.js'
import {
  PYTHON,
  allStatuses,
  requirePythonModule,
  runSchemathesis,
  startUnifier,
  type Bindings,
  type Dictionaries,
  type FuzzResult,
  type LiveServer,
} from './schemathesis.js'

const SEED = Number(process.env.FUZZ_SEED ?? 20261204)
const EXAMPLES = Number(process.env.FUZZ_EXAMPLES ?? 40)
const TIMEOUT_MS = 240_000

/** What every run checks: what the issue asks (no 5xx, answers as documented) and more. */
const CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_headers_conformance',
  'response_schema_conformance',
  'negative_data_rejection',
]

const BINDINGS: Bindings = {
  'path.tenant': 'tenants',
  'path.type': 'types',
  'path.value': 'values',
  'path.profileId': 'profiles',
  'query.a': 'pairs',
  'query.b': 'pairs',
  'body.identifiers[*].type': 'types',
  'body.identifiers[*].value': 'values',
}

const reader = newToken()
const limited = newToken()

let dir: string
let open: LiveServer | null = null
let secured: LiveServer | null = null
let dictionaries: Dictionaries

/** A fuzzer's report as the assertion message: what it found, and the server's own log. */
function findings(result: FuzzResult, server: LiveServer): string {
  return `schemathesis exited ${result.exitCode}:\n${result.report}\n--- server output (tail) ---\n${server
    .output()
    .split('\n')
    .slice(-30)
    .join('\n')}`
}

async function json(url: string, token?: string): Promise<Record<string, unknown>> {
  const r = await fetch(
    url,
    token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } },
  )
  expect(r.status, url).toBe(200)
  return (await r.json()) as Record<string, unknown>
}

beforeAll(async () => {
  requirePythonModule('schemathesis', 'schemathesis (the API fuzzer)')
  requirePythonModule('openapi_spec_validator', 'openapi-spec-validator')
  dir = await mkdtemp(join(tmpdir(), 'unifier-fuzz-'))
  const tokens = join(dir, 'tokens.yaml')
  await writeFile(
    tokens,
    [
      'tokens:',
      `  - { name: fuzz-reader, sha256: ${reader.sha256}, tenants: [acme], scopes: [profiles:read, events:write], source: fuzz }`,
      `  - { name: fuzz-limited, sha256: ${limited.sha256}, tenants: ['*'], scopes: [profiles:read], rateLimit: { perSecond: 1, burst: 3 } }`,
      '',
    ].join('\n'),
  )
  ;[open, secured] = await Promise.all([
    startUnifier(['--state-dir', join(dir, 'open')]),
    startUnifier(['--state-dir', join(dir, 'secured'), '--tokens', tokens]),
  ])
  // the sample's profile ids (deterministic, but read rather than copied here)
  const c1 = await json(`${open.url}/v1/tenants/acme/identifiers/customer_id/C1`)
  const c7 = await json(`${open.url}/v1/tenants/acme/identifiers/customer_id/C7`)
  dictionaries = {
    tenants: ['acme', 'boutique-fr'],
    types: ['customer_id', 'email', 'phone', 'loyalty_card', 'device_id'],
    values: [
      'C1',
      'C7',
      'ann@x.com',
      ' Ann@X.com ',
      '+1 (212) 555-0100',
      '2125550100',
      'L9',
      'test@test.com',
      '0000',
      '12',
      'D-42',
    ],
    profiles: [c1.profileId as string, ...(c1.mergedFrom as string[]), c7.profileId as string],
    pairs: [
      'email:ann@x.com',
      'phone:2125550100',
      'customer_id:C1',
      'loyalty_card:L9',
      'customer_id:C7',
      'email:test@test.com',
      'phone:12',
      'device_id:d-42',
    ],
  }
}, 180_000)

afterAll(async () => {
  await Promise.all([open?.stop(), secured?.stop()])
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
})

describe('schemathesis against the live unifier start', () => {
  it('finds /openapi.json a valid OpenAPI 3.1 document, with and without tokens', async () => {
    for (const server of [open, secured]) {
      const file = join(dir, `openapi-${server === open ? 'open' : 'secured'}.json`)
      await writeFile(file, JSON.stringify(await json(`${server?.url}/openapi.json`)))
      const r = spawnSync(PYTHON, ['-m', 'openapi_spec_validator', file], { encoding: 'utf8' })
      expect(`${r.status}: ${r.stdout}${r.stderr}`).toMatch(/^0: .*OK/)
    }
  })

  it(
    'without a tokens file: no 5xx, and every answer is one the document allows',
    async () => {
      const server = open as LiveServer
      const result = await runSchemathesis({
        label: 'open',
        url: server.url,
        dir,
        checks: CHECKS,
        maxExamples: EXAMPLES,
        seed: SEED,
        dictionaries,
        bindings: BINDINGS,
        timeoutMs: TIMEOUT_MS,
      })
      expect(result.exitCode, findings(result, server)).toBe(0)
      expect(result.generated).toBeGreaterThan(200)
      // it reached the data, the refusals and the malformed requests, not only 404s
      expect([...allStatuses(result)].sort()).toEqual(expect.arrayContaining([200, 400, 404, 422]))
    },
    TIMEOUT_MS + 30_000,
  )

  it(
    'with a tokens file: 401 without a listed token, 403 outside its tenant, as documented',
    async () => {
      const server = secured as LiveServer
      const result = await runSchemathesis({
        label: 'secured',
        url: server.url,
        dir,
        checks: [...CHECKS, 'ignored_auth'],
        maxExamples: EXAMPLES,
        seed: SEED,
        dictionaries,
        bindings: BINDINGS,
        headers: [`Authorization: Bearer ${reader.token}`],
        timeoutMs: TIMEOUT_MS,
      })
      expect(result.exitCode, findings(result, server)).toBe(0)
      expect([...allStatuses(result)].sort()).toEqual(expect.arrayContaining([200, 401, 403]))
    },
    TIMEOUT_MS + 30_000,
  )

  it(
    'past a token rate limit: 429 with Retry-After, as documented',
    async () => {
      const server = secured as LiveServer
      const result = await runSchemathesis({
        label: 'limited',
        url: server.url,
        dir,
        checks: CHECKS,
        maxExamples: Math.ceil(EXAMPLES / 4),
        seed: SEED,
        dictionaries,
        bindings: BINDINGS,
        headers: [`Authorization: Bearer ${limited.token}`],
        extraArgs: ['--include-path-regex', '^/v1/tenants/', '--phases', 'fuzzing'],
        timeoutMs: TIMEOUT_MS,
      })
      expect(result.exitCode, findings(result, server)).toBe(0)
      expect(allStatuses(result)).toContain(429)
    },
    TIMEOUT_MS + 30_000,
  )
})
