/**
 * The producer library (profile-unifier/producer) on the real broker and registry: the example
 * of docs/producer.md, run as written, sends the worked example; its records are keyed and
 * partitioned as the processor expects, and `unifier run` over them ends with the same profiles
 * as `unifier resolve` on the same events.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadKafkajs } from '../../src/kafka/patches/index.js'
import { packageRoot } from '../../src/topology/package-files.js'
import { inputEvents, processedProfiles, resolveReference } from './connector-harness.js'
import { processorEnv, type ProcessorEnv } from './processor-harness.js'
import { kafkaBrokers, schemaRegistryUrl } from '../setup/kafka-kit.js'

const PARTITIONS = 3
const root = packageRoot()

/** The ```ts block after `<!-- example:producer -->` in docs/producer.md, importing from src. */
async function docExample(): Promise<string> {
  const doc = await readFile(join(root, 'docs', 'producer.md'), 'utf8')
  const match = /<!-- example:producer -->\s*```ts\n([\s\S]*?)```/.exec(doc)
  if (match === null) throw new Error('docs/producer.md has no example block')
  const code = match[1] as string
  expect(code).toContain("from 'profile-unifier/producer'")
  return code.replace(
    "'profile-unifier/producer'",
    JSON.stringify(join(root, 'src', 'connectors', 'producer.ts')),
  )
}

let env: ProcessorEnv
let dir: string

beforeAll(async () => {
  env = await processorEnv(PARTITIONS)
  dir = await mkdtemp(join(tmpdir(), 'unifier-producer-example-'))
})

afterAll(async () => {
  await env?.cleanup()
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
})

describe('producer library', () => {
  it('runs the documented example: the worked example resolves as `unifier resolve` does', async () => {
    const script = join(dir, 'example.mts')
    await writeFile(script, await docExample())
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), script],
      {
        cwd: root,
        env: {
          ...process.env,
          KAFKA_BROKERS: kafkaBrokers().join(','),
          SCHEMA_REGISTRY_URL: schemaRegistryUrl(),
          UNIFIER_TOPIC_PREFIX: env.prefix,
        },
        timeout: 60_000,
      },
    )
    expect(stdout).toMatch(/^sent 6 events; generated ids like [0-9a-f-]{36}$/m)
    expect(stdout).toContain('refused: timestamp')

    // Keyed by tenant; on the partition kafkajs's default partitioner (murmur2) gives the key.
    const records = await env.readAll(env.topic('contact-events'))
    expect(records).toHaveLength(6)
    const partitioner = loadKafkajs().Partitioners.DefaultPartitioner()
    const partitionMetadata = Array.from({ length: PARTITIONS }, (_, partitionId) => ({
      partitionErrorCode: 0,
      partitionId,
      leader: 1,
      replicas: [1],
      isr: [1],
    }))
    for (const r of records) {
      expect(await env.codec.decode('contact-events', 'key', r.key as Buffer)).toEqual({
        tenant: 'acme',
      })
      const expected = partitioner({
        topic: env.topic('contact-events'),
        partitionMetadata,
        message: { key: r.key, value: null },
      })
      expect(r.partition).toBe(expected)
    }
    const events = await inputEvents(env)
    expect(events.map((e) => e.type)).toEqual([
      'identify',
      'identify',
      'identify',
      'identify',
      'note',
      'identify',
    ])
    expect(events[0]?.eventId).toBe('web-0001')

    const profiles = await processedProfiles(env)
    expect(profiles).toEqual(await resolveReference(events))
    expect(profiles.map((p) => p.identifiers.map((i) => `${i.type}:${i.value}`))).toEqual(
      expect.arrayContaining([
        ['customer_id:C1', 'email:ann@x.com', 'phone:+12125550100'],
        ['customer_id:C7', 'loyalty_card:L9'],
      ]),
    )
    expect(profiles).toHaveLength(2)
    const ann = profiles.find((p) => p.anchor?.value === 'C1')
    expect(ann?.timeline.map((t) => t.note)).toContain('asked about the spring sale')
  })
})
