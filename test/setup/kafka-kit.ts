/**
 * Small helpers for *.int.test.ts files: a kafkajs client on the broker the global setup found,
 * unique names so tests never see each other's data, and topics that delete themselves.
 */
import { randomBytes } from 'node:crypto'
import type { Admin, ITopicConfig, Kafka } from 'kafkajs'
import { pino } from 'pino'
import { afterAll, inject } from 'vitest'
import { parseBrokers } from '../../src/config/brokers.js'
import { createKafka } from '../../src/kafka/client.js'

export function kafkaBrokers(): string[] {
  return parseBrokers(inject('kafkaBrokers'))
}

export function schemaRegistryUrl(): string {
  return inject('schemaRegistryUrl')
}

/** `prefix-<time>-<random>`: unique across tests, runs and parallel workers, valid as a topic, group or subject. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`
}

/**
 * kafkajs logs retriable broker answers (coordinator loading, concurrent transactions) at ERROR;
 * tests see real failures as rejected promises, so the logger stays silent unless asked for.
 */
export function testKafka(clientId = uniqueName('test')): Kafka {
  const debug = process.env.KAFKAJS_LOG_LEVEL === 'debug'
  return createKafka({
    clientId,
    brokers: kafkaBrokers(),
    ...(debug ? { logger: pino({ level: 'debug' }), logLevel: 'debug' as const } : {}),
  })
}

export interface TestTopics {
  /** Creates uniquely named topics (one per prefix) and returns their names in the same order. */
  create(prefixes: string[], options?: Omit<ITopicConfig, 'topic'>): Promise<string[]>
  readonly admin: Admin
}

/**
 * Call at the top of a describe (or file): topics created through it are deleted after the
 * file's tests, and the admin client is closed.
 */
export function useTestTopics(kafka: Kafka = testKafka()): TestTopics {
  const admin = kafka.admin()
  const created: string[] = []
  let connected: Promise<void> | undefined
  afterAll(async () => {
    if (connected === undefined) return
    if (created.length > 0) await admin.deleteTopics({ topics: created, timeout: 30_000 })
    await admin.disconnect()
  })
  return {
    admin,
    async create(prefixes, options = {}) {
      connected ??= admin.connect()
      await connected
      const topics = prefixes.map((prefix) => uniqueName(prefix))
      const ok = await admin.createTopics({
        topics: topics.map((topic) => ({ numPartitions: 1, ...options, topic })),
        waitForLeaders: true,
      })
      if (!ok) throw new Error(`topics already existed: ${topics.join(', ')}`)
      created.push(...topics)
      return topics
    },
  }
}
