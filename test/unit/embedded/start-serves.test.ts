import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { newToken } from '../../../src/api/tokens.js'
import { startEmbedded } from '../../../src/cli/commands/start.js'
import { packageRoot } from '../../../src/cli/package-root.js'
import { DEFAULT_START } from '../../../src/cli/sample-defaults.js'
import { assertWorkedExampleAnswers, type Get } from '../api/worked-example-answers.js'

let dir: string
let input: string
let child: ChildProcess | null = null

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'unifier-start-'))
  // the spec's worked example: the sample's first five events
  const lines = (await readFile(DEFAULT_START.input, 'utf8')).split('\n').slice(0, 5)
  input = join(dir, 'worked-example.ndjson')
  await writeFile(input, `${lines.join('\n')}\n`)
})
afterEach(async () => {
  if (child !== null && child.exitCode === null) child.kill('SIGKILL')
  child = null
  await rm(dir, { recursive: true, force: true })
})

const overHttp =
  (base: string): Get =>
  async (path) => {
    const r = await fetch(base + path)
    return {
      status: r.status,
      requestId: r.headers.get('x-request-id') ?? undefined,
      body: await r.json(),
    }
  }

describe('unifier start serves the Profile API', () => {
  it('answers the worked example over real HTTP and stops cleanly on SIGTERM', async () => {
    const proc = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(packageRoot(), 'src', 'cli', 'main.ts'),
        'start',
        '--input',
        input,
        '--config',
        DEFAULT_START.config,
        '--state-dir',
        join(dir, 'state'),
        '--port',
        '0',
      ],
      { cwd: packageRoot(), stdio: ['ignore', 'pipe', 'pipe'] },
    )
    child = proc
    let out = ''
    proc.stdout?.on('data', (d: Buffer) => (out += d.toString()))
    proc.stderr?.on('data', (d: Buffer) => (out += d.toString()))
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => {
        const m = /Profile API on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
        if (m?.[1] !== undefined) {
          clearInterval(timer)
          resolve(m[1])
        }
      }, 50)
      proc.once('exit', (code) => {
        clearInterval(timer)
        reject(new Error(`unifier start exited (${code}) before serving:\n${out}`))
      })
    })
    // the summary comes first, as with --no-serve
    expect(out).toContain('Merges this run (2)')
    expect(out).toContain('no tokens file: listening on loopback only')

    const get = overHttp(url)
    await assertWorkedExampleAnswers(get)
    const blocked = await get('/v1/tenants/acme/identifiers/email/test%40test.com')
    expect([blocked.status, blocked.body.error.code]).toEqual([422, 'blocked'])
    const bad = await get('/v1/tenants/acme/explain?a=nocolon&b=email:ann@x.com')
    expect([bad.status, bad.body.error.code]).toEqual([400, 'bad-request'])
    const c1 = (await get('/v1/tenants/acme/identifiers/customer_id/C1')).body.profileId
    const history = await get(`/v1/tenants/acme/profiles/${c1}/history`)
    expect(history.body.entries.map((e: { eventId: string }) => e.eventId)).toEqual([
      'web-0002',
      'web-0002',
      'store-0002',
    ])
    const health = await get('/health')
    expect(health.body).toMatchObject({ status: 'running' })
    const doc = await get('/openapi.json')
    expect(doc.body.openapi).toBe('3.1.0')

    const exited = new Promise<number | null>((resolve) => proc.once('exit', resolve))
    proc.kill('SIGTERM')
    expect(await exited).toBe(0)
  }, 60_000)

  it('with --no-serve prints the summary and releases the state, as before', async () => {
    const printed: string[] = []
    const options = {
      config: DEFAULT_START.config,
      input,
      stateDir: join(dir, 'state'),
      port: null,
      out: (text: string) => void printed.push(text),
      logger: pino({ level: 'silent' }),
    }
    const first = await startEmbedded(options)
    expect(first.url).toBeNull()
    expect(printed.join('')).toContain('Reassignments this run (1)')
    // the log and the store are closed: a second start opens them and has nothing to do
    printed.length = 0
    await startEmbedded(options)
    expect(printed.join('')).toContain('this run processed 0')
  })

  it('keeps processing its log while serving: an event appended later shows in the answers', async () => {
    const printed: string[] = []
    const started = await startEmbedded({
      config: DEFAULT_START.config,
      input,
      stateDir: join(dir, 'state'),
      port: 0,
      out: (text: string) => void printed.push(text),
      logger: pino({ level: 'silent' }),
    })
    try {
      expect(started.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const r = await fetch(`${started.url}/v1/tenants/acme/identifiers/loyalty_card/L9`)
      expect(((await r.json()) as { anchor: unknown }).anchor).toEqual({
        type: 'customer_id',
        value: 'C7',
      })
      const later = JSON.stringify({
        eventId: 'web-0099',
        tenant: 'acme',
        source: 'web',
        timestamp: '2024-06-01T09:00:00Z',
        identifiers: { customer_id: 'C1', email: 'ann.new@x.com' },
      })
      const service = started.service
      if (service === null) throw new Error('serving, so the service runs')
      await service.caughtUp(await service.append([later]))
      const now = await fetch(`${started.url}/v1/tenants/acme/identifiers/email/ann.new%40x.com`)
      expect(now.status).toBe(200)
      expect(((await now.json()) as { anchor: unknown }).anchor).toEqual({
        type: 'customer_id',
        value: 'C1',
      })
    } finally {
      await started.stop()
    }
  })

  it('search and the timeline follow the committed state: new profiles, merges, notes', async () => {
    const started = await startEmbedded({
      config: DEFAULT_START.config,
      input,
      stateDir: join(dir, 'search-state'),
      port: 0,
      out: () => undefined,
      logger: pino({ level: 'silent' }),
    })
    const json = async (path: string) => {
      const r = await fetch(`${started.url}/v1/tenants/acme${path}`)
      return { status: r.status, body: (await r.json()) as any } // eslint-disable-line @typescript-eslint/no-explicit-any
    }
    const ids = (body: { results: Array<{ profileId: string }> }) =>
      body.results.map((r) => r.profileId)
    try {
      const c1 = (await json('/identifiers/customer_id/C1')).body.profileId as string
      // indexed by the scan at start
      expect(ids((await json('/search?q=smith')).body)).toEqual([c1])
      const service = started.service
      if (service === null) throw new Error('serving, so the service runs')
      const event = (n: number, body: object) =>
        JSON.stringify({
          eventId: `later-${n}`,
          tenant: 'acme',
          source: 'web',
          timestamp: `2024-06-0${n}T09:00:00Z`,
          ...body,
        })
      // a new unanchored profile, Zed...
      await service.caughtUp(
        await service.append([
          event(1, { identifiers: { email: 'zed@x.com' }, attributes: { first_name: 'Zed' } }),
        ]),
      )
      const zed = await json('/search?q=zed')
      expect(zed.body.results).toHaveLength(1)
      const zedId = zed.body.results[0].profileId as string
      expect(zedId).not.toBe(c1)
      // ...merged into C1's profile: only the survivor is found; a note shows on its timeline
      await service.caughtUp(
        await service.append([
          event(2, { identifiers: { customer_id: 'C1', email: 'zed@x.com' } }),
          event(3, { type: 'note', identifiers: { customer_id: 'C1' }, note: 'called back' }),
          event(4, { type: 'note', identifiers: { email: 'zed@x.com' }, note: 'left a message' }),
        ]),
      )
      expect(ids((await json('/search?q=zed')).body)).toEqual([c1])
      const timeline = await json(`/profiles/${zedId}/timeline?limit=1`)
      expect(timeline.status).toBe(200)
      expect(timeline.body.profileId).toBe(c1)
      expect(timeline.body.entries).toEqual([
        expect.objectContaining({ eventId: 'later-4', note: 'left a message' }),
      ])
      const next = await json(`/profiles/${c1}/timeline?cursor=${timeline.body.nextCursor}`)
      expect(next.body.entries.map((e: { eventId: string }) => e.eventId)).toEqual(['later-3'])
      expect(next.body.nextCursor).toBeNull()
    } finally {
      await started.stop()
    }
  })

  it('lookups answered from the record cache follow each commit: a merge, then a deletion', async () => {
    const started = await startEmbedded({
      config: DEFAULT_START.config,
      input,
      stateDir: join(dir, 'cache-state'),
      port: 0,
      out: () => undefined,
      logger: pino({ level: 'silent' }),
    })
    // each asked twice: a record read a second time is cached (api/committed-records.ts)
    const lookup = async (path: string) => {
      await fetch(`${started.url}/v1/tenants/acme/identifiers/${path}`)
      const r = await fetch(`${started.url}/v1/tenants/acme/identifiers/${path}`)
      return { status: r.status, body: (await r.json()) as any } // eslint-disable-line @typescript-eslint/no-explicit-any
    }
    const event = (n: number, body: object) =>
      JSON.stringify({
        eventId: `cached-${n}`,
        tenant: 'acme',
        source: 'web',
        timestamp: `2024-06-0${n}T09:00:00Z`,
        ...body,
      })
    try {
      const service = started.service
      if (service === null) throw new Error('serving, so the service runs')
      await service.caughtUp(
        await service.append([event(1, { identifiers: { email: 'zed@x.com' } })]),
      )
      const c1 = (await lookup('customer_id/C1')).body.profileId as string
      const zed = (await lookup('email/zed%40x.com')).body.profileId as string
      expect(zed).not.toBe(c1)
      await service.caughtUp(
        await service.append([
          event(2, { identifiers: { customer_id: 'C1', email: 'zed@x.com' } }),
        ]),
      )
      const merged = await lookup('email/zed%40x.com')
      expect(merged.body.profileId).toBe(c1)
      expect(merged.body.mergedFrom).toContain(zed)
      expect((await lookup('customer_id/C1')).body.identifiers).toContainEqual({
        type: 'email',
        value: 'zed@x.com',
      })
      await service.caughtUp(
        await service.append([event(3, { type: 'forget', identifiers: { customer_id: 'C1' } })]),
      )
      expect((await lookup('email/zed%40x.com')).status).toBe(404)
      expect((await lookup('customer_id/C1')).status).toBe(404)
    } finally {
      await started.stop()
    }
  })

  it('takes events over HTTP: accepted (202) means in the log, visible in the Profile API within a second', async () => {
    const started = await startEmbedded({
      config: DEFAULT_START.config,
      input,
      stateDir: join(dir, 'state'),
      port: 0,
      out: () => undefined,
      logger: pino({ level: 'silent' }),
    })
    try {
      const posted = await fetch(`${started.url}/v1/tenants/acme/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          eventId: 'web-0100',
          source: 'web',
          identifiers: { customer_id: 'C1', phone: '+1 212 555 0199' },
        }),
      })
      const acceptedAt = Date.now()
      expect(posted.status).toBe(202)
      let status = 0
      while (Date.now() - acceptedAt < 1_000) {
        const r = await fetch(`${started.url}/v1/tenants/acme/identifiers/phone/%2B12125550199`)
        status = r.status
        if (status === 200) break
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      expect(status).toBe(200)
    } finally {
      await started.stop()
    }
  })

  it('with a tokens file, tenant routes need a listed bearer token; without one, only loopback', async () => {
    const { token, sha256 } = newToken()
    const tokens = join(dir, 'tokens.yaml')
    await writeFile(
      tokens,
      `tokens:\n  - { name: desk, sha256: ${sha256}, tenants: [acme], scopes: [profiles:read] }\n`,
    )
    const base = {
      config: DEFAULT_START.config,
      input,
      stateDir: join(dir, 'state'),
      port: 0,
      out: () => undefined,
      logger: pino({ level: 'silent' }),
    }
    await expect(startEmbedded({ ...base, host: '0.0.0.0' })).rejects.toThrow(/--tokens/)
    const started = await startEmbedded({ ...base, tokens })
    try {
      const url = `${started.url}/v1/tenants/acme/identifiers/loyalty_card/L9`
      expect((await fetch(url)).status).toBe(401)
      const ok = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
      expect(ok.status).toBe(200)
    } finally {
      await started.stop()
    }
  })
})
