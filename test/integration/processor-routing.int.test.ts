/**
 * One partition task per tenant whatever the producer's partitioner (spec, "Outputs"): a
 * producer whose partitioner puts every tenant on another partition than murmur2 does (as
 * librdkafka's default CRC32 does for most keys) must not split a tenant into two states. The
 * records are routed to the owning partition and resolved there, in each producer's order.
 */
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startKafkaApp, type KafkaApp } from '../../src/cli/kafka-app.js'
import { loadIdentityConfig } from '../../src/config/identity-config.js'
import { createResolver } from '../../src/core/resolver.js'
import type { ContactEvent, ProfileSnapshot } from '../../src/core/types.js'
import { defaultPartitionOf } from '../../src/kafka/partitioner.js'
import { BatchResolver } from '../../src/runtime/batch-resolver.js'
import { MemoryStore } from '../../src/state/memory-store.js'
import {
  SAMPLE_IDENTITY,
  currentProfiles,
  generatedEvents,
  processorEnv,
  waitCaughtUp,
  type ProcessorEnv,
} from './processor-harness.js'

const PARTITIONS = 3
let env: ProcessorEnv
let app: KafkaApp | null = null

beforeAll(async () => {
  env = await processorEnv(PARTITIONS)
})

afterAll(async () => {
  await app?.processor.stop()
  await env?.cleanup()
})

/** What a profile is, whatever its id, sequence numbers and times of processing. */
function shape(p: ProfileSnapshot): string {
  return JSON.stringify({
    tenant: p.tenant,
    anchor: p.anchor,
    identifiers: [...p.identifiers].sort((a, b) =>
      `${a.type}:${a.value}`.localeCompare(`${b.type}:${b.value}`),
    ),
    attributes: p.attributes,
  })
}

describe('unifier run: a producer with another partitioner', () => {
  it(
    'routes each tenant to its owning partition: no tenant split, profiles as one pass in producer order',
    { timeout: 300_000 },
    async () => {
      const events: ContactEvent[] = generatedEvents(6, 150, 11)
      const half = Math.floor(events.length / 2)
      // The first half from a producer with murmur2 (kafkajs, Java), the second from one whose
      // partitioner puts every tenant one partition further: each tenant lands on two partitions.
      await env.produce(events.slice(0, half))
      const producer = env.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: () => (args) =>
          (defaultPartitionOf(args.message.key as Buffer, PARTITIONS) + 1) % PARTITIONS,
      })
      await producer.connect()
      for (let i = half; i < events.length; i += 200) {
        const slice = events.slice(i, Math.min(i + 200, events.length))
        const messages = await Promise.all(slice.map((e) => env.codec.encodeContactEvent(e)))
        await producer.send({
          topic: env.topic('contact-events'),
          acks: -1,
          messages: messages.map((m) => ({ key: m.key, value: m.value })),
        })
      }
      await producer.disconnect()

      const config = env.config()
      app = await startKafkaApp(config, pino({ level: 'silent' }))
      // the routed copies are input too: caught up means they are resolved where they belong
      expect(await waitCaughtUp(env, config.groupId, 90_000)).toBe(true)

      const resolver = await BatchResolver.open({
        resolver: createResolver(await loadIdentityConfig(SAMPLE_IDENTITY)),
        store: new MemoryStore(),
      })
      const expected = new Map<string, ProfileSnapshot>()
      for (const [i, event] of events.entries()) {
        for (const o of (await resolver.process(event, { sequence: i + 1 })).outputs) {
          if (o.kind !== 'profile') continue
          if (o.profile === null) expected.delete(`${o.tenant}/${o.profileId}`)
          else expected.set(`${o.tenant}/${o.profileId}`, o.profile)
        }
      }
      const live = await currentProfiles(env, await env.readAll(env.topic('profile-changelog')))
      const anchors = [...live.values()]
        .filter((p) => p.anchor !== null)
        .map((p) => `${p.tenant}/${p.anchor?.value}`)
      expect(new Set(anchors).size).toBe(anchors.length) // no anchor in two live profiles
      expect([...live.values()].map(shape).sort()).toEqual([...expected.values()].map(shape).sort())

      const metrics = await app.metrics.registry.getSingleMetricAsString(
        'unifier_routed_records_total',
      )
      const routed = [...metrics.matchAll(/^unifier_routed_records_total\{[^}]*\} (\d+)/gm)]
        .map((m) => Number(m[1]))
        .reduce((a, b) => a + b, 0)
      expect(routed).toBe(events.length - half)
    },
  )
})
