/**
 * `unifier topology apply` against the real broker and registry, through the command itself:
 * first run creates, a second changes nothing and says so, drift is reported and left alone.
 */
import { Command } from 'commander'
import { afterAll, describe, expect, it, vi } from 'vitest'
import {
  EXIT_DRIFT,
  registerTopologyCommand,
  type TopologyCliIo,
} from '../../src/cli/commands/topology.js'
import { AvroSchemaRegistry } from '../../src/codecs/registry.js'
import { KafkaTopicAdmin } from '../../src/kafka/admin.js'
import { createKafka } from '../../src/kafka/client.js'
import { loadKafkajs } from '../../src/kafka/patches/index.js'
import { TOPIC_ROLES } from '../../src/topology/roles.js'
import { kafkaBrokers, schemaRegistryUrl, testKafka, uniqueName } from '../setup/kafka-kit.js'

const { ConfigResourceTypes } = loadKafkajs()

const prefixes: string[] = []
const topicAdmin = new KafkaTopicAdmin(createKafka({ brokers: kafkaBrokers(), clientId: 'apply' }))
const registry = new AvroSchemaRegistry({ url: schemaRegistryUrl() })

afterAll(async () => {
  const names = prefixes.flatMap((p) => TOPIC_ROLES.map((role) => `${p}${role}`))
  await topicAdmin.deleteTopics(names)
  await topicAdmin.close()
  for (const subject of await registry.subjects()) {
    if (prefixes.some((p) => subject.startsWith(p))) await registry.deleteSubject(subject)
  }
})

function newPrefix(): string {
  const prefix = `${uniqueName('apply')}.`
  prefixes.push(prefix)
  return prefix
}

/** Runs `unifier topology apply <args>` in-process with the suite's broker and registry in env. */
async function apply(...args: string[]): Promise<{ output: string; exitCode: number }> {
  let output = ''
  let exitCode = 0
  const io: TopologyCliIo = {
    out: (text) => {
      output += text
    },
    env: { KAFKA_BROKERS: kafkaBrokers().join(','), SCHEMA_REGISTRY_URL: schemaRegistryUrl() },
    setExitCode: (code) => {
      exitCode = code
    },
  }
  const program = new Command().exitOverride()
  registerTopologyCommand(program, io)
  await program.parseAsync(['topology', 'apply', ...args], { from: 'user' })
  return { output, exitCode }
}

describe('unifier topology apply', () => {
  it('creates every topic and subject, then a second run changes nothing and says so', async () => {
    const prefix = newPrefix()
    const first = await apply('--prefix', prefix)
    expect(first.exitCode).toBe(0)
    for (const role of TOPIC_ROLES) {
      expect(first.output).toMatch(new RegExp(`created +${prefix.replace('.', '\\.')}${role} `))
    }
    expect(first.output).toContain(`registered      ${prefix}contact-events-value`)
    expect(first.output).toContain('8 topic(s) created; 14 schema(s) registered.')

    const existing = await topicAdmin.describeTopics([`${prefix}profile-changelog`])
    expect(existing.get(`${prefix}profile-changelog`)).toMatchObject({
      partitions: 6,
      replicationFactor: 1,
      configs: expect.objectContaining({
        'cleanup.policy': 'compact',
        'delete.retention.ms': '604800000',
      }),
    })

    const second = await apply('--prefix', prefix)
    expect(second.exitCode).toBe(0)
    expect(second.output).not.toMatch(/created|registered|DRIFT/)
    expect(second.output.trim().endsWith('Nothing changed.')).toBe(true)
  })

  it('a dry run on an empty prefix reports what it would create and creates nothing', async () => {
    const prefix = newPrefix()
    const dry = await apply('--prefix', prefix, '--dry-run')
    expect(dry.exitCode).toBe(0)
    expect(dry.output).toContain(`would create    ${prefix}contact-events`)
    expect(dry.output).toContain('8 topic(s) to create; 14 schema(s) to register.')
    const names = TOPIC_ROLES.map((role) => `${prefix}${role}`)
    expect((await topicAdmin.describeTopics(names)).size).toBe(0)
    expect((await registry.subjects()).filter((s) => s.startsWith(prefix))).toEqual([])
  })

  it('reports a drifted topic with what differs and leaves it as it is', async () => {
    const prefix = newPrefix()
    await apply('--prefix', prefix, '--no-schemas')
    const merged = `${prefix}profile-merged`
    const input = `${prefix}contact-events`

    // Someone changes the cluster by hand.
    const admin = testKafka().admin()
    await admin.connect()
    try {
      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: merged,
            configEntries: [{ name: 'retention.ms', value: '86400000' }],
          },
        ],
      })
      await admin.createPartitions({ topicPartitions: [{ topic: input, count: 8 }] })
    } finally {
      await admin.disconnect()
    }

    // KRaft brokers apply metadata changes asynchronously: wait until they are visible.
    await vi.waitFor(
      async () => {
        const seen = await topicAdmin.describeTopics([merged, input])
        expect(seen.get(merged)?.configs['retention.ms']).toBe('86400000')
        expect(seen.get(input)?.partitions).toBe(8)
      },
      { timeout: 30_000, interval: 250 },
    )

    const report = await apply('--prefix', prefix, '--no-schemas')
    expect(report.exitCode).toBe(0)
    expect(report.output).toMatch(new RegExp(`DRIFT +${merged.replace('.', '\\.')} `))
    expect(report.output).toContain('retention.ms: file 2592000000, topic 86400000')
    expect(report.output).toMatch(new RegExp(`DRIFT +${input.replace('.', '\\.')} `))
    expect(report.output).toContain('partitions: file 6, topic 8')
    expect(report.output).toContain('Nothing changed; 2 topic(s) drifted')

    const after = await topicAdmin.describeTopics([merged, input])
    expect(after.get(merged)?.configs['retention.ms']).toBe('86400000')
    expect(after.get(input)?.partitions).toBe(8)

    const strict = await apply('--prefix', prefix, '--no-schemas', '--fail-on-drift')
    expect(strict.exitCode).toBe(EXIT_DRIFT)
  })
})
