/**
 * One partition task per tenant whatever the producer's partitioner (spec, "Outputs"): a
 * producer whose partitioner puts every tenant on another partition than murmur2 does (as
 * librdkafka's default CRC32 does for most keys) must not split a tenant into two states. The
 * records are routed to the owning partition and resolved there, in each producer's order.
 */
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startKafkaApp, type KafkaApp } from '../../src/cli/kafka-app.js'
import type { ContactEvent } from '../../src/core/types.js'
import { defaultPartitionOf } from '../../src/kafka/partitioner.js'
import {
  counterTotal,
  expectProfilesOfOnePass,
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

      await expectProfilesOfOnePass(env, events)

      const metrics = await app.metrics.registry.getSingleMetricAsString(
        'unifier_routed_records_total',
      )
      expect(counterTotal(metrics, 'unifier_routed_records_total')).toBe(events.length - half)
    },
  )
})
