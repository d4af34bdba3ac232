import { describe, expect, it } from 'vitest'
import { loadTopology, parseTopology, TopologyFileError } from '../../../src/topology/file.js'
import { defaultTopologyFile } from '../../../src/topology/package-files.js'
import { TOPIC_ROLES } from '../../../src/topology/roles.js'

/** A valid file with every role; tests edit one thing at a time. */
function file(edit: (topics: Record<string, Record<string, unknown>>) => void = () => {}): string {
  const topics: Record<string, Record<string, unknown>> = Object.fromEntries(
    TOPIC_ROLES.map((role) => [role, { cleanupPolicy: 'delete', retentionMs: 1000 }]),
  )
  topics['profile-changelog'] = { cleanupPolicy: 'compact' }
  topics['state-changelog'] = { cleanupPolicy: 'compact' }
  edit(topics)
  return JSON.stringify({ defaults: { partitions: 4, replicationFactor: 1 }, topics })
}

function failure(text: string, overrides = {}): string {
  try {
    parseTopology(text, 'topics.yaml', overrides)
  } catch (err) {
    expect(err).toBeInstanceOf(TopologyFileError)
    return (err as Error).message
  }
  throw new Error('expected the topology to be refused')
}

describe('the shipped topology/topics.yaml', () => {
  it('defines every topic, with compacted changelogs and the state changelog sized like the input', async () => {
    const topology = await loadTopology(defaultTopologyFile())
    expect(topology.topics.map((t) => t.name)).toEqual([...TOPIC_ROLES])
    expect(topology.byRole['profile-changelog'].configs['cleanup.policy']).toBe('compact')
    expect(topology.byRole['state-changelog'].configs['cleanup.policy']).toBe('compact')
    expect(topology.byRole['contact-events'].configs['retention.ms']).toBe('-1')
    expect(topology.byRole['state-changelog'].partitions).toBe(
      topology.byRole['contact-events'].partitions,
    )
    for (const topic of topology.topics) expect(topic.replicationFactor).toBe(1)
  })

  it('takes a prefix and a replication factor from the command line', async () => {
    const topology = await loadTopology(defaultTopologyFile(), {
      prefix: 'staging.',
      replicationFactor: 3,
    })
    expect(topology.byRole['dead-letter'].name).toBe('staging.dead-letter')
    expect(topology.topics.every((t) => t.name.startsWith('staging.'))).toBe(true)
    expect(topology.topics.every((t) => t.replicationFactor === 3)).toBe(true)
  })
})

describe('resolving a topology file', () => {
  it('fills defaults, renders configs as Kafka strings, keeps file order', () => {
    const topology = parseTopology(
      file((t) => {
        t['profile-merged'] = {
          cleanupPolicy: 'delete',
          retentionMs: 60000,
          partitions: 12,
          configs: { 'max.message.bytes': 2097152, 'message.timestamp.type': 'CreateTime' },
        }
      }),
      'topics.yaml',
    )
    expect(topology.byRole['profile-merged']).toEqual({
      role: 'profile-merged',
      name: 'profile-merged',
      partitions: 12,
      replicationFactor: 1,
      configs: {
        'cleanup.policy': 'delete',
        'retention.ms': '60000',
        'max.message.bytes': '2097152',
        'message.timestamp.type': 'CreateTime',
      },
    })
    expect(topology.byRole['merge-refused'].partitions).toBe(4)
  })

  it('lets a topic be renamed', () => {
    const topology = parseTopology(
      file((t) => {
        t['contact-events'] = { cleanupPolicy: 'delete', name: 'cdp.contacts.v1' }
      }),
      'topics.yaml',
      { prefix: 'dev-' },
    )
    expect(topology.byRole['contact-events'].name).toBe('dev-cdp.contacts.v1')
  })
})

describe('refusing a bad topology file, naming where', () => {
  it('a missing topic', () => {
    const message = failure(file((t) => delete t['dead-letter']))
    expect(message).toContain('topics.yaml')
    expect(message).toContain('topics.dead-letter')
  })

  it('a misspelt setting', () => {
    const message = failure(
      file((t) => {
        t['link-reassigned'] = { cleanupPolicy: 'delete', partitons: 3 }
      }),
    )
    expect(message).toContain('topics.link-reassigned')
    expect(message).toContain('partitons')
  })

  it('an unknown cleanup policy', () => {
    expect(failure(file((t) => (t['merge-refused']!.cleanupPolicy = 'forever')))).toContain(
      'topics.merge-refused.cleanupPolicy',
    )
  })

  it('a changelog that deletes by age', () => {
    const message = failure(
      file((t) => {
        t['profile-changelog'] = { cleanupPolicy: 'compact,delete' }
      }),
    )
    expect(message).toContain('topics.profile-changelog.cleanupPolicy: must be compact')
  })

  it('a state changelog with other partitions than the input', () => {
    const message = failure(file((t) => (t['contact-events']!.partitions = 12)))
    expect(message).toContain('topics.state-changelog.partitions')
    expect(message).toContain('12')
  })

  it('cleanup.policy or retention.ms inside configs (two sources of truth)', () => {
    const message = failure(file((t) => (t['profile-deleted']!.configs = { 'retention.ms': 5 })))
    expect(message).toContain('topics.profile-deleted.configs.retention.ms')
  })

  it('a retention on a compacted topic', () => {
    expect(failure(file((t) => (t['state-changelog']!.retentionMs = 10)))).toContain(
      'topics.state-changelog.retentionMs',
    )
  })

  it('min.insync.replicas above the replication factor', () => {
    const message = failure(
      file((t) => (t['profile-merged']!.configs = { 'min.insync.replicas': 2 })),
    )
    expect(message).toContain('topics.profile-merged.configs.min.insync.replicas')
  })

  it('two topics with one name', () => {
    const message = failure(
      file((t) => {
        t['profile-merged']!.name = 'events'
        t['link-reassigned']!.name = 'events'
      }),
    )
    expect(message).toContain('"events" is also used by profile-merged')
  })

  it('a prefix Kafka would not accept', () => {
    expect(failure(file(), { prefix: 'dev/' })).toContain('not a valid Kafka topic name')
  })

  it('broken YAML, with the line', () => {
    const message = failure('topics:\n  contact-events:\n    cleanupPolicy: [delete\n')
    expect(message).toContain('not valid YAML')
    expect(message).toMatch(/line \d+/)
  })

  it('a file that is not there', async () => {
    await expect(loadTopology('/nonexistent/topics.yaml')).rejects.toThrow(
      /cannot read topology file \/nonexistent\/topics.yaml/,
    )
  })
})
