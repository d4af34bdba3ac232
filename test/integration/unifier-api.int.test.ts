/**
 * `unifier api` (Kafka mode): a read replica of the processor's state changelog answers the
 * spec's worked example over real HTTP with the core's own lookups, and reports its lag in
 * /health and in the x-replica-lag header of every answer; its index of the identity-event
 * topics answers history and names the reassignment explain(C1, L9) turns on, with its own lag.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startKafkaApp, type KafkaApp } from '../../src/cli/kafka-app.js'
import { DEFAULT_START } from '../../src/cli/sample-defaults.js'
import { parseEventLine } from '../../src/codecs/event-line.js'
import type { ContactEvent } from '../../src/core/types.js'
import { packageRoot } from '../../src/topology/package-files.js'
import { kafkaBrokers, schemaRegistryUrl } from '../setup/kafka-kit.js'
import { assertWorkedExampleAnswers, type Get } from '../unit/api/worked-example-answers.js'
import { processorEnv, waitCaughtUp, waitFor, type ProcessorEnv } from './processor-harness.js'

let env: ProcessorEnv
let app: KafkaApp | null = null
let api: ChildProcess | null = null
let dir: string

beforeAll(async () => {
  env = await processorEnv(3)
  dir = await mkdtemp(join(tmpdir(), 'unifier-api-'))
})

afterAll(async () => {
  if (api !== null && api.exitCode === null) api.kill('SIGKILL')
  await app?.processor.stop()
  await env?.cleanup()
  await rm(dir, { recursive: true, force: true })
})

/** Starts `unifier api` on a free port; resolves with its base URL once it listens. */
async function startApi(groupId: string): Promise<string> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(packageRoot(), 'src', 'cli', 'main.ts'),
      'api',
      '--brokers',
      kafkaBrokers().join(','),
      '--registry',
      schemaRegistryUrl(),
      '--prefix',
      env.prefix,
      '--group',
      groupId,
      '--state-dir',
      join(dir, 'api-state'),
      '--identity',
      DEFAULT_START.config,
      '--port',
      '0',
    ],
    // the environment of a clean machine: only what the flags say
    {
      cwd: packageRoot(),
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, KAFKA_BROKERS: '', SCHEMA_REGISTRY_URL: '' },
    },
  )
  api = child
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`unifier api exited with ${code}`)))
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      let entry: { msg?: string; addresses?: Array<{ address: string; port: number }> }
      try {
        entry = JSON.parse(line) as typeof entry
      } catch {
        return
      }
      const address = entry.addresses?.[0]
      if (entry.msg?.startsWith('Profile API listening') && address !== undefined)
        resolve(`http://127.0.0.1:${address.port}`)
    })
  })
}

describe('unifier api: a read replica over Kafka', () => {
  it("answers the worked example as the processor committed it, with the replica's lag", async () => {
    const lines = (await readFile(DEFAULT_START.input, 'utf8')).split('\n').slice(0, 5)
    const events = lines.map((l) => {
      const parsed = parseEventLine(l)
      if (!parsed.ok) throw new Error(parsed.detail)
      return parsed.event
    }) satisfies ContactEvent[]
    await env.produce(events)
    const config = env.config()
    app = await startKafkaApp(config, pino({ level: 'silent' }))
    expect(await waitCaughtUp(env, config.groupId, 60_000)).toBe(true)

    const base = await startApi(config.groupId)
    const get: Get = async (path) => {
      const r = await fetch(base + path)
      return {
        status: r.status,
        requestId: r.headers.get('x-request-id') ?? undefined,
        body: await r.json(),
      }
    }
    // caught up: every partition's lag known and zero
    const health = await waitFor(
      async () => (await get('/health')).body,
      (h) =>
        Array.isArray(h.replica) &&
        h.replica.length === 3 &&
        h.replica.every((p: { behind: number | null }) => p.behind === 0),
      30_000,
    )
    expect(health.replica.map((p: { behind: number | null }) => p.behind)).toEqual([0, 0, 0])
    // the history index: every partition of the three identity-event topics known and current
    const indexed = await waitFor(
      async () => (await get('/health')).body,
      (h) =>
        Array.isArray(h.history) &&
        h.history.length === 9 &&
        h.history.every((p: { behind: number | null }) => p.behind === 0),
      30_000,
    )
    expect(new Set(indexed.history.map((p: { topic: string }) => p.topic))).toEqual(
      new Set([
        env.topic('profile-merged'),
        env.topic('link-reassigned'),
        env.topic('merge-refused'),
      ]),
    )
    const metrics = await (await fetch(`${base}/metrics`)).text()
    expect(metrics).toMatch(/^unifier_history_index_lag_offsets\{topic="[^"]+",partition="0"\} 0$/m)
    const probe = await fetch(`${base}/v1/tenants/acme/identifiers/email/ann%40x.com`)
    expect(probe.headers.get('x-replica-lag')).toBe('0')
    await assertWorkedExampleAnswers(get)

    // search: the replica's index follows the changelog it applied (503 while it is built)
    const smith = await waitFor(
      () => get('/v1/tenants/acme/search?q=smith'),
      (r) => r.status === 200 && r.body.results.length > 0,
      30_000,
    )
    const c1 = (await get('/v1/tenants/acme/identifiers/customer_id/C1')).body
    expect(smith.body.results).toEqual([
      expect.objectContaining({
        profileId: c1.profileId,
        identifiers: c1.identifiers,
        matched: ['attribute:last_name'],
      }),
    ])
    const cards = await get('/v1/tenants/acme/search?has=loyalty_card')
    expect(cards.body.results.map((r: { profileId: string }) => r.profileId)).toEqual([
      (await get('/v1/tenants/acme/identifiers/loyalty_card/L9')).body.profileId,
    ])

    // lookups read through the replica's record cache, which each applied batch keeps exact:
    // a new profile, merged into C1's, then C1 forgotten
    const event = (n: number, body: object) => {
      const parsed = parseEventLine(
        JSON.stringify({
          eventId: `later-${n}`,
          tenant: 'acme',
          source: 'web',
          timestamp: `2024-06-0${n}T09:00:00Z`,
          ...body,
        }),
      )
      if (!parsed.ok) throw new Error(parsed.detail)
      return parsed.event
    }
    const zed = '/v1/tenants/acme/identifiers/email/zed%40x.com'
    await env.produce([event(1, { identifiers: { email: 'zed@x.com' } })])
    const alone = await waitFor(
      () => get(zed),
      (r) => r.status === 200,
      30_000,
    )
    expect(alone.body.profileId).not.toBe(c1.profileId)
    await get(zed) // read twice: cached
    await env.produce([event(2, { identifiers: { customer_id: 'C1', email: 'zed@x.com' } })])
    const merged = await waitFor(
      () => get(zed),
      (r) => r.body.profileId === c1.profileId,
      30_000,
    )
    expect(merged.body.mergedFrom).toContain(alone.body.profileId)
    await env.produce([event(3, { type: 'forget', identifiers: { customer_id: 'C1' } })])
    expect(
      (
        await waitFor(
          () => get(zed),
          (r) => r.status === 404,
          30_000,
        )
      ).status,
    ).toBe(404)
    expect((await get('/v1/tenants/acme/identifiers/customer_id/C1')).status).toBe(404)
  })
})
