/**
 * A channel service in Python, as a new user writes it: confluent-kafka (librdkafka) with its
 * own Avro serializers and its default partitioner (CRC32, not murmur2), sending generated
 * events of eight tenants. No tenant may end split in two states: the profiles equal a one-pass
 * resolve of the same events (spec, "Outputs": one partition task per tenant).
 * Needs `pip install -r test/integration/python/requirements.txt` (.ci/run does it).
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startKafkaApp, type KafkaApp } from '../../src/cli/kafka-app.js'
import { packageRoot } from '../../src/topology/package-files.js'
import { kafkaBrokers, schemaRegistryUrl } from '../setup/kafka-kit.js'
import {
  counterTotal,
  expectProfilesOfOnePass,
  generatedEvents,
  processorEnv,
  waitCaughtUp,
  type ProcessorEnv,
} from './processor-harness.js'

const run = promisify(execFile)
let env: ProcessorEnv
let app: KafkaApp | null = null
let dir: string

beforeAll(async () => {
  env = await processorEnv(6)
  dir = await mkdtemp(join(tmpdir(), 'unifier-python-'))
})

afterAll(async () => {
  await app?.processor.stop()
  await env?.cleanup()
  await rm(dir, { recursive: true, force: true })
})

describe('a Python confluent-kafka producer with its default partitioner', () => {
  it('ends with the profiles of a one-pass resolve: no tenant split in two', async () => {
    const events = generatedEvents(8, 120, 5).map((e) => ({ ...e, type: e.type ?? 'identify' }))
    const file = join(dir, 'events.ndjson')
    await writeFile(file, events.map((e) => JSON.stringify(e)).join('\n') + '\n')
    const { stdout } = await run(
      'python3',
      [join(packageRoot(), 'test', 'integration', 'python', 'produce_confluent.py'), file],
      {
        env: {
          ...process.env,
          KAFKA_BROKERS: kafkaBrokers().join(','),
          SCHEMA_REGISTRY_URL: schemaRegistryUrl(),
          TOPIC: env.topic('contact-events'),
          KEY_SCHEMA: join(packageRoot(), 'schemas', 'TenantKey.avsc'),
          VALUE_SCHEMA: join(packageRoot(), 'schemas', 'ContactEvent.avsc'),
        },
        timeout: 120_000,
      },
    )
    expect(JSON.parse(stdout)).toEqual({ sent: events.length })

    const config = env.config()
    app = await startKafkaApp(config, pino({ level: 'silent' }))
    expect(await waitCaughtUp(env, config.groupId, 90_000)).toBe(true)

    await expectProfilesOfOnePass(env, events)
    // librdkafka's CRC32 put some tenants elsewhere than murmur2: they were routed, not split
    const routed = await app.metrics.registry.getSingleMetricAsString(
      'unifier_routed_records_total',
    )
    expect(counterTotal(routed, 'unifier_routed_records_total')).toBeGreaterThan(0)
  })
})
