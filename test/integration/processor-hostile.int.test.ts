/**
 * No record can hold a partition (docs/processor.md, "Failures"), on the real broker and
 * registry: a record the resolver throws on is dead-lettered after three attempts, and a
 * valid event whose identifier is a million characters long is dead-lettered or loses that
 * identifier, while the events around both are committed, each output exactly once.
 */
import { pino } from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { deadLetterFromAvro } from '../../src/codecs/records.js'
import { startKafkaApp, type KafkaApp } from '../../src/cli/kafka-app.js'
import { loadIdentityConfig } from '../../src/config/identity-config.js'
import { createResolver } from '../../src/core/resolver.js'
import type { ContactEvent, OutputRecord } from '../../src/core/types.js'
import { BatchResolver } from '../../src/runtime/batch-resolver.js'
import { MemoryStore } from '../../src/state/memory-store.js'
import {
  SAMPLE_IDENTITY,
  committedCounts,
  counterTotal,
  currentProfiles,
  expectChangelogOfOnePass,
  expectedCounts,
  processorEnv,
  waitCaughtUp,
  waitFor,
  type ProcessorEnv,
} from './processor-harness.js'

let env: ProcessorEnv
let app: KafkaApp | null = null

beforeEach(async () => {
  env = await processorEnv(1)
})

afterEach(async () => {
  await app?.processor.stop()
  app = null
  await env?.cleanup()
})

const identify = (eventId: string, ids: ContactEvent['identifiers'], minute = 0): ContactEvent => ({
  eventId,
  tenant: 'acme',
  type: 'identify',
  source: 'web',
  timestamp: Date.parse('2024-05-01T09:00:00Z') + minute * 60_000,
  identifiers: ids,
  attributes: {},
  note: null,
})

async function deadLetters() {
  const records = await env.readAll(env.topic('dead-letter'))
  return Promise.all(
    records.map(async (r) =>
      deadLetterFromAvro(await env.codec.decode('dead-letter', 'value', r.value as Buffer)),
    ),
  )
}

/** The resolver over the committed input in one pass, skipping the events `skip` names. */
async function onePassWithout(skip: (e: ContactEvent) => boolean): Promise<OutputRecord[]> {
  const resolver = await BatchResolver.open({
    resolver: createResolver(await loadIdentityConfig(SAMPLE_IDENTITY)),
    store: new MemoryStore(),
  })
  const outputs: OutputRecord[] = []
  for (const r of await env.readAll(env.topic('contact-events'))) {
    const event = await env.codec.decodeContactEvent(r.value)
    if (skip(event)) continue
    outputs.push(...(await resolver.process(event, { sequence: Number(r.offset) })).outputs)
  }
  return outputs
}

describe('unifier run: hostile input', () => {
  it('dead-letters a record the resolver throws on after 3 attempts; the events after it are resolved, every output once', async () => {
    await env.produce([
      identify('before', [{ type: 'customer_id', value: 'C1' }]),
      identify('poison', [{ type: 'email', value: 'poison@x.com' }], 1),
      identify('after', [
        { type: 'customer_id', value: 'C2' },
        { type: 'email', value: 'bo@x.com' },
      ]),
      identify(
        'later',
        [
          { type: 'customer_id', value: 'C1' },
          { type: 'email', value: 'ann@x.com' },
        ],
        2,
      ),
    ])
    const real = createResolver(await loadIdentityConfig(SAMPLE_IDENTITY))
    let attempts = 0
    const config = env.config()
    app = await startKafkaApp(config, pino({ level: 'silent' }), {
      resolver: {
        decide(event, position, state) {
          if (event.eventId !== 'poison') return real.decide(event, position, state)
          attempts++
          throw new RangeError('Maximum call stack size exceeded')
        },
      },
    })
    expect(await waitCaughtUp(env, config.groupId, 60_000)).toBe(true)

    expect(attempts).toBe(3)
    const letters = await deadLetters()
    expect(letters.map((l) => [l.record.reason, l.record.eventId, l.input.offset])).toEqual([
      ['processing-failed', 'poison', '1'],
    ])
    expect(letters[0]?.record.detail).toContain('Maximum call stack size exceeded')
    const expected = await onePassWithout((e) => e.eventId === 'poison')
    expect(await committedCounts(env)).toEqual({
      ...expectedCounts(expected),
      'dead-letter': 1,
    })
    const changelog = await env.readAll(env.topic('profile-changelog'))
    await expectChangelogOfOnePass(env, changelog, expected)
    const profiles = await currentProfiles(env, changelog)
    expect([...profiles.values()].map((p) => p.anchor?.value).sort()).toEqual(['C1', 'C2'])
  })

  it('a million-character customer_id between a good event and a canary holds nothing up', async () => {
    await env.produce([
      identify('good', [{ type: 'customer_id', value: 'C1' }]),
      identify('hostile', [
        { type: 'customer_id', value: 'X'.repeat(1_000_000) },
        { type: 'email', value: 'hostile@x.com' },
      ]),
      identify('canary', [{ type: 'customer_id', value: 'C3' }], 1),
    ])
    const config = env.config()
    const started = Date.now()
    app = await startKafkaApp(config, pino({ level: 'silent' }))
    expect(await waitCaughtUp(env, config.groupId, 30_000)).toBe(true)
    const seconds = (Date.now() - started) / 1000
    expect(seconds).toBeLessThan(30)

    const changelog = await waitFor(
      () => env.readAll(env.topic('profile-changelog')),
      (r) => r.length >= 2,
    )
    const profiles = [...(await currentProfiles(env, changelog)).values()]
    const anchors = profiles.map((p) => p.anchor?.value ?? null)
    expect(anchors).toContain('C1')
    expect(anchors).toContain('C3')
    // the hostile identifier is nowhere: dropped (too long) or its event dead-lettered
    expect(anchors.every((a) => a === null || a.length < 1_000)).toBe(true)
    const letters = await deadLetters()
    const hostile = letters.filter((l) => l.record.eventId === 'hostile')
    const aborts = (await app.metrics.registry.getSingleMetricAsString(
      'unifier_transaction_aborts_total',
    )) as string
    const abortCount = counterTotal(aborts, 'unifier_transaction_aborts_total')
    // at most the one abort that finds the oversized output; never a loop
    expect(abortCount).toBeLessThanOrEqual(1)
    if (hostile.length > 0) {
      expect(['output-too-large', 'no-identifiers']).toContain(hostile[0]?.record.reason)
    }
  })
})
