/**
 * `unifier ingest` on the real broker and registry: the worked example (samples/events.ndjson),
 * sent once through the HTTP ingest routes and once as Segment-compatible calls, each by the
 * token of the event's source; the Kafka processor over what was written ends with the same
 * profiles as `unifier resolve` on the same events.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ContactEvent } from '../../src/core/types.js'
import { inputEvents, processedProfiles, resolveReference } from './connector-harness.js'
import {
  runsOf,
  spawnIngest,
  workedExample,
  writerTokens,
  type IngestChild,
  type Source,
} from './ingest-harness.js'
import { processorEnv, type ProcessorEnv } from './processor-harness.js'

let dir: string
let tokens: Awaited<ReturnType<typeof writerTokens>>
const envs: ProcessorEnv[] = []
let ingest: IngestChild | null = null

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'unifier-ingest-int-'))
  tokens = await writerTokens(dir)
})

afterEach(() => {
  if (ingest !== null && ingest.child.exitCode === null) ingest.child.kill('SIGKILL')
  ingest = null
})

afterAll(async () => {
  for (const env of envs) await env.cleanup()
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
})

async function started(): Promise<{ env: ProcessorEnv; base: string }> {
  const env = await processorEnv(3)
  envs.push(env)
  ingest = spawnIngest({ prefix: env.prefix, tokens: tokens.file, port: 0 })
  return { env, base: await ingest.url }
}

const post = async (
  url: string,
  authorization: string,
  body: string,
  contentType = 'application/json',
): Promise<{ status: number; body: { accepted?: number; eventIds?: string[] } }> => {
  const r = await fetch(url, {
    method: 'POST',
    headers: { authorization, 'content-type': contentType },
    body,
  })
  return { status: r.status, body: (await r.json()) as { accepted?: number } }
}

/** A worked-example line as a Segment identify call: customer_id the userId, device_id the anonymousId. */
function segmentCall(line: Record<string, unknown>): Record<string, unknown> {
  const given = line.identifiers as Record<string, string> | Array<{ type: string; value: string }>
  const identifiers = Array.isArray(given)
    ? Object.fromEntries(given.map((i) => [i.type, i.value]))
    : given
  const { customer_id: userId, device_id: anonymousId, ...rest } = identifiers
  const timestamp = line.timestamp
  return {
    type: 'identify',
    messageId: line.eventId,
    ...(userId === undefined ? {} : { userId }),
    ...(anonymousId === undefined ? {} : { anonymousId }),
    traits: { ...rest, ...(line.attributes as object) },
    timestamp: typeof timestamp === 'number' ? new Date(timestamp).toISOString() : timestamp,
  }
}

describe('unifier ingest (Kafka): the worked example', () => {
  it('through POST /events and /events:batch resolves as `unifier resolve` does', async () => {
    const { env, base } = await started()
    const example = await workedExample()
    const runs = runsOf(example, (e) => e.event.source)
    const used = new Set<string>()
    for (const [i, run] of runs.entries()) {
      const bearer = `Bearer ${tokens.token[run[0]?.event.source as Source]}`
      const lines = run.map((e) => e.line)
      // in turn: one event, a JSON array, NDJSON
      const how = lines.length === 1 && i % 3 === 0 ? 'event' : i % 3 === 2 ? 'ndjson' : 'array'
      used.add(how)
      const r =
        how === 'event'
          ? await post(`${base}/v1/tenants/acme/events`, bearer, JSON.stringify(lines[0]))
          : how === 'array'
            ? await post(`${base}/v1/tenants/acme/events:batch`, bearer, JSON.stringify(lines))
            : await post(
                `${base}/v1/tenants/acme/events:batch`,
                bearer,
                lines.map((l) => JSON.stringify(l)).join('\n'),
                'application/x-ndjson',
              )
      expect(r.status).toBe(202)
      expect(r.body.eventIds).toEqual(run.map((e) => e.event.eventId))
    }
    expect(used.size).toBe(3)
    // 202 means written: the topic holds exactly the example's events, in order
    const events = await inputEvents(env)
    expect(events).toEqual(example.map((e) => e.event))
    const profiles = await processedProfiles(env)
    expect(profiles).toEqual(await resolveReference(events))
    expect(profiles.map((p) => p.anchor?.value ?? null)).toEqual(
      expect.arrayContaining(['C1', 'C7', 'C2']),
    )
  })

  it('through Segment-compatible /v1/identify and /v1/batch resolves as `unifier resolve` does', async () => {
    const { env, base } = await started()
    const example = await workedExample()
    const sent: ContactEvent[] = []
    for (const run of runsOf(example, (e) => `${e.event.source}/${e.event.type}`)) {
      const source = run[0]?.event.source as Source
      const writeKey = `Basic ${Buffer.from(`${tokens.token[source]}:`).toString('base64')}`
      if (run[0]?.event.type !== 'identify') {
        // a note is no Segment call: it goes through the events route with the same token
        for (const { line } of run) {
          const r = await post(
            `${base}/v1/tenants/acme/events`,
            `Bearer ${tokens.token[source]}`,
            JSON.stringify(line),
          )
          expect(r.status).toBe(202)
        }
      } else {
        const calls = run.map((e) => segmentCall(e.line))
        const r =
          calls.length === 1
            ? await post(`${base}/v1/identify`, writeKey, JSON.stringify(calls[0]))
            : await post(`${base}/v1/batch`, writeKey, JSON.stringify({ batch: calls }))
        expect(r.status).toBe(202)
        expect(r.body.eventIds).toEqual(run.map((e) => e.event.eventId))
      }
      sent.push(...run.map((e) => e.event))
    }
    const events = await inputEvents(env)
    expect(events.map((e) => [e.eventId, e.source, e.type, e.timestamp])).toEqual(
      sent.map((e) => [e.eventId, e.source, e.type, e.timestamp]),
    )
    const profiles = await processedProfiles(env)
    expect(profiles).toEqual(await resolveReference(events))
    // the same people as the example resolved from its own file
    expect(profiles).toEqual(await resolveReference(example.map((e) => e.event)))
  })
})
