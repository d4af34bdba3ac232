/**
 * SIGKILL of `unifier ingest` while clients send (issue: connectors, "Done when"). Four clients
 * send batches of generated events of eight tenants, each batch again with the same eventIds
 * until it is answered 202 (as a well-behaved channel does); one of them gives up waiting after
 * 5 ms on a first attempt, so batches Kafka holds are sent again. The ingest process is killed -9
 * mid-way and restarted on the same port. Then: every event answered 202 is in the input topic;
 * every event is there; and the Kafka processor over the topic (retried batches included, some
 * of them written twice) ends with the same profiles as `unifier resolve` over each event once:
 * a retried event does not take effect twice (rule 9, idempotence by eventId).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newToken } from '../../src/api/tokens.js'
import { loadIdentityConfig } from '../../src/config/identity-config.js'
import { createResolver } from '../../src/core/resolver.js'
import type { ContactEvent, OutputRecord } from '../../src/core/types.js'
import { BatchResolver } from '../../src/runtime/batch-resolver.js'
import { MemoryStore } from '../../src/state/memory-store.js'
import { freePort } from '../../bench/lib/processes.js'
import { inputEvents, processedProfiles, resolveReference } from './connector-harness.js'
import { spawnIngest, type IngestChild } from './ingest-harness.js'
import {
  committedCounts,
  expectedCounts,
  generatedEvents,
  processorEnv,
  SAMPLE_IDENTITY,
  type ProcessorEnv,
} from './processor-harness.js'

const CLIENTS = 4
const BATCH = 25
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

let env: ProcessorEnv
let dir: string
const children: IngestChild[] = []

beforeAll(async () => {
  env = await processorEnv(3)
  dir = await mkdtemp(join(tmpdir(), 'unifier-ingest-kill-'))
})

afterAll(async () => {
  for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGKILL')
  await env?.cleanup()
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
})

interface ClientLog {
  /** tenant/eventId of the events answered 202 (eventIds are unique per tenant). */
  readonly acked: string[]
  /** Requests sent again because the first attempt was not answered 202. */
  retries: number
}

/** Sends each batch until it is answered 202; the batches in order (a tenant's order kept). */
async function client(
  url: string,
  authorization: string,
  batches: readonly ContactEvent[][],
  log: ClientLog,
  onAck: () => void,
  /** The first attempt's wait for an answer (an impatient client gives up before it comes). */
  firstTimeoutMs = 15_000,
): Promise<void> {
  for (const batch of batches) {
    const body = JSON.stringify(batch.map(({ source: _source, ...e }) => e))
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) log.retries++
      if (attempt > 600) throw new Error('a batch was never accepted')
      try {
        const r = await fetch(`${url}/v1/tenants/${batch[0]?.tenant}/events:batch`, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(attempt === 0 ? firstTimeoutMs : 15_000),
        })
        if (r.status === 202) {
          const answer = (await r.json()) as { eventIds: string[] }
          expect(answer.eventIds).toEqual(batch.map((e) => e.eventId))
          log.acked.push(...answer.eventIds.map((id) => `${batch[0]?.tenant}/${id}`))
          onAck()
          break
        }
        await r.body?.cancel()
        expect([503, 429]).toContain(r.status)
      } catch (err) {
        // the process is gone (connection refused or reset), or no answer in time
        if ((err as { name?: string }).name === 'AssertionError') throw err
      }
      await sleep(100)
    }
  }
}

describe('unifier ingest: SIGKILL while clients send', () => {
  it('every event answered 202 is in the log, and retried events do not take effect twice', async () => {
    const writer = newToken()
    const tokens = join(dir, 'tokens.yaml')
    await writeFile(
      tokens,
      [
        'tokens:',
        '  - name: channel',
        `    sha256: ${writer.sha256}`,
        '    tenants: ["*"]',
        '    scopes: [events:write]',
        '    source: web',
        '',
      ].join('\n'),
    )
    const port = await freePort()
    const start = (): IngestChild => {
      const c = spawnIngest({ prefix: env.prefix, tokens, port })
      children.push(c)
      return c
    }
    // the events as written: the token's source
    const events = generatedEvents(8, 300, 21).map((e) => ({ ...e, source: 'web' }))
    // each client owns two tenants (so a tenant's events are sent in order by one client) and
    // sends their batches (one tenant each, as the URL names one) in turn
    const byTenant = new Map<string, ContactEvent[][]>()
    for (const e of events) {
      const list = byTenant.get(e.tenant) ?? []
      const last = list.at(-1)
      if (last !== undefined && last.length < BATCH) last.push(e)
      else list.push([e])
      byTenant.set(e.tenant, list)
    }
    const batches: ContactEvent[][][] = Array.from({ length: CLIENTS }, () => [])
    for (const [tenant, list] of byTenant) {
      const own = batches[Number(tenant.split('-')[1]) % CLIENTS] as ContactEvent[][]
      const merged: ContactEvent[][] = []
      for (let i = 0; i < Math.max(own.length, list.length); i++) {
        if (own[i] !== undefined) merged.push(own[i] as ContactEvent[])
        if (list[i] !== undefined) merged.push(list[i] as ContactEvent[])
      }
      own.splice(0, own.length, ...merged)
    }
    const totalBatches = batches.reduce((n, b) => n + b.length, 0)
    expect(totalBatches).toBeGreaterThan(40)

    const first = start()
    const url = await first.url
    const logs: ClientLog[] = Array.from({ length: CLIENTS }, () => ({ acked: [], retries: 0 }))
    let answered = 0
    let killed: () => void = () => undefined
    const midway = new Promise<void>((resolve) => (killed = resolve))
    const sending = Promise.all(
      batches.map((b, c) =>
        client(
          url,
          `Bearer ${writer.token}`,
          b,
          logs[c] as ClientLog,
          () => {
            if (++answered === Math.floor(totalBatches / 3)) killed()
          },
          // client 0 stops waiting after 5 ms: its requests are written, then sent again
          c === 0 ? 5 : 15_000,
        ),
      ),
    )
    void sending.catch(() => killed())
    await midway
    first.child.kill('SIGKILL')
    const ackedBeforeKill = logs.reduce((n, l) => n + l.acked.length, 0)
    await sleep(1_000)
    await start().url
    await sending

    const retries = logs.reduce((n, l) => n + l.retries, 0)
    expect(retries).toBeGreaterThan(0)
    expect(ackedBeforeKill).toBeLessThan(events.length)
    const written = await inputEvents(env)
    const key = (e: ContactEvent) => `${e.tenant}/${e.eventId}`
    const ids = new Set(written.map(key))
    // every event answered 202 is in the log (and every event was answered 202 in the end)
    const acked = logs.flatMap((l) => l.acked)
    expect(acked.filter((id) => !ids.has(id))).toEqual([])
    expect(new Set(acked).size).toBe(events.length)
    expect(ids.size).toBe(events.length)

    // each event once, in the order the log first holds it
    const seen = new Set<string>()
    const once = written.filter((e) => !seen.has(key(e)) && seen.add(key(e)) !== undefined)
    const profiles = await processedProfiles(env)
    expect(profiles).toEqual(await resolveReference(once))
    expect(profiles).toEqual(await resolveReference(written))
    expect(profiles.length).toBeGreaterThan(50)
    expect(written.length).toBeGreaterThan(events.length)
    // and no output of the processor comes from a repeat: as many as from each event once
    const resolver = await BatchResolver.open({
      resolver: createResolver(await loadIdentityConfig(SAMPLE_IDENTITY)),
      store: new MemoryStore(),
    })
    const outputs: OutputRecord[] = []
    for (const [i, e] of once.entries())
      outputs.push(...(await resolver.process(e, { sequence: i + 1 })).outputs)
    expect(await committedCounts(env)).toEqual(expectedCounts(outputs))
    console.info(
      `ingest kill: ${events.length} events in ${totalBatches} batches; ${ackedBeforeKill} acked before the kill; ${retries} retried requests; ${written.length - events.length} events written twice`,
    )
  })
})
