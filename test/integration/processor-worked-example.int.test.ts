/**
 * `unifier run` over the real broker and registry: the spec's worked example produced to
 * contact-events comes out, on read_committed consumers, as the expected changelog (coalesced
 * per commit by default, one record per change with `every-change`), two ProfileMerged and one
 * LinkReassigned, each exactly once.
 */
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { outputFromAvro } from '../../src/codecs/records.js'
import type { ContactEvent } from '../../src/core/types.js'
import { startKafkaApp, type KafkaApp } from '../../src/cli/kafka-app.js'
import {
  currentProfiles,
  expectChangelogOfOnePass,
  onePass,
  processorEnv,
  waitFor,
  type ProcessorEnv,
} from './processor-harness.js'

const base = Date.parse('2024-05-01T09:00:00Z')
const event = (
  n: number,
  source: string,
  ids: Record<string, string>,
  attributes: ContactEvent['attributes'] = {},
): ContactEvent => ({
  eventId: `we-${n}`,
  tenant: 'acme',
  type: 'identify',
  source,
  timestamp: base + n * 60_000,
  identifiers: Object.entries(ids).map(([type, value]) => ({ type, value })),
  attributes,
  note: null,
})

const workedExample: ContactEvent[] = [
  event(1, 'web', { customer_id: 'C1', email: 'ann@x.com' }),
  event(2, 'call_center', { phone: '+1 212 555 0100' }, { first_name: 'Ann', points: 40 }),
  event(3, 'store', { loyalty_card: 'L9' }),
  event(4, 'web', { customer_id: 'C1', phone: '(212) 555-0100', loyalty_card: 'L9' }),
  event(5, 'store', { customer_id: 'C7', loyalty_card: 'L9' }),
]

let env: ProcessorEnv
let app: KafkaApp | null = null

beforeAll(async () => {
  env = await processorEnv(2)
})

afterAll(async () => {
  await app?.processor.stop()
  await env?.cleanup()
})

describe('unifier run: the worked example', () => {
  it('yields the changelog, two merges and one reassignment, each exactly once', async () => {
    await env.produce(workedExample)
    app = await startKafkaApp(env.config(), pino({ level: 'warn' }))

    const merged = await waitFor(
      () => env.readAll(env.topic('profile-merged')),
      (r) => r.length >= 2,
    )
    const reassigned = await waitFor(
      () => env.readAll(env.topic('link-reassigned')),
      (r) => r.length >= 1,
    )
    // Let a few more commit intervals pass: anything duplicated would show up by now.
    await new Promise((r) => setTimeout(r, 2_000))
    await app.processor.stop()
    app = null

    const mergedAgain = await env.readAll(env.topic('profile-merged'))
    const reassignedAgain = await env.readAll(env.topic('link-reassigned'))
    expect(mergedAgain).toHaveLength(2)
    expect(reassignedAgain).toHaveLength(1)
    expect(merged.map((r) => r.offset)).toEqual(mergedAgain.map((r) => r.offset))

    const decodedMerges = await Promise.all(
      mergedAgain.map(async (r) =>
        outputFromAvro(
          'profile-merged',
          await env.codec.decode('profile-merged', 'key', r.key as Buffer),
          await env.codec.decode('profile-merged', 'value', r.value as Buffer),
        ),
      ),
    )
    expect(decodedMerges.map((m) => (m.kind === 'merged' ? m.via : null))).toEqual([
      { type: 'phone', value: '+12125550100' },
      { type: 'loyalty_card', value: 'L9' },
    ])
    expect(reassigned).toHaveLength(1)

    // The changelog (coalesced per commit, the default): per profile, states a one-pass resolve
    // reached, in its order, none twice, ending on its last; the same final profiles.
    const changelog = await env.readAll(env.topic('profile-changelog'))
    const reference = await onePass(env)
    await expectChangelogOfOnePass(env, changelog, reference.outputs)
    expect(changelog.length).toBeLessThanOrEqual(
      reference.outputs.filter((o) => o.kind === 'profile').length,
    )
    const profiles = await currentProfiles(env, changelog)
    expect(profiles).toEqual(reference.profiles)
    const cards = [...profiles.values()].map((p) =>
      p.identifiers.map((i) => `${i.type}:${i.value}`),
    )
    expect(cards).toEqual(
      expect.arrayContaining([
        ['customer_id:C1', 'email:ann@x.com', 'phone:+12125550100'],
        ['customer_id:C7', 'loyalty_card:L9'],
      ]),
    )
    expect(profiles.size).toBe(2)
  })

  it('with profileChangelog every-change: one changelog record per change, as a one-pass resolve writes them', async () => {
    const own = await processorEnv(2)
    let running: KafkaApp | null = null
    try {
      await own.produce(workedExample)
      running = await startKafkaApp(
        own.config({ profileChangelog: 'every-change' }),
        pino({ level: 'warn' }),
      )
      const reference = await onePass(own)
      const perChange = reference.outputs.filter((o) => o.kind === 'profile').length
      const changelog = await waitFor(
        () => own.readAll(own.topic('profile-changelog')),
        (r) => r.length >= perChange,
      )
      await new Promise((r) => setTimeout(r, 1_000))
      await running.processor.stop()
      running = null
      expect(await own.readAll(own.topic('profile-changelog'))).toHaveLength(changelog.length)
      expect(changelog).toHaveLength(perChange)
      await expectChangelogOfOnePass(own, changelog, reference.outputs, 'every-change')
    } finally {
      await running?.processor.stop()
      await own.cleanup()
    }
  })
})
