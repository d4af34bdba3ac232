import { describe, expect, it } from 'vitest'
import type { TopicSpec } from '../../../src/topology/file.js'
import { planTopics, type ExistingTopic } from '../../../src/topology/plan.js'

const spec: TopicSpec = {
  role: 'profile-changelog',
  name: 'profile-changelog',
  partitions: 6,
  replicationFactor: 3,
  configs: { 'cleanup.policy': 'compact', 'delete.retention.ms': '604800000' },
}

function existing(overrides: Partial<ExistingTopic> = {}): Map<string, ExistingTopic> {
  const topic: ExistingTopic = {
    name: spec.name,
    partitions: 6,
    replicationFactor: 3,
    configs: {
      'cleanup.policy': 'compact',
      'delete.retention.ms': '604800000',
      'segment.bytes': '1073741824',
    },
    ...overrides,
  }
  return new Map([[topic.name, topic]])
}

describe('planning topics against the cluster', () => {
  it('creates a topic that is missing', () => {
    expect(planTopics([spec], new Map())).toEqual([{ action: 'create', spec }])
  })

  it('leaves a topic that matches, whatever else the broker reports', () => {
    expect(planTopics([spec], existing())).toEqual([{ action: 'unchanged', spec }])
  })

  it('reports every difference: partitions, replication, each config', () => {
    const [plan] = planTopics(
      [spec],
      existing({
        partitions: 3,
        replicationFactor: 1,
        configs: { 'cleanup.policy': 'delete', 'segment.bytes': '1' },
      }),
    )
    expect(plan).toEqual({
      action: 'drift',
      spec,
      drift: [
        { setting: 'partitions', expected: '6', actual: '3' },
        { setting: 'replication factor', expected: '3', actual: '1' },
        { setting: 'cleanup.policy', expected: 'compact', actual: 'delete' },
        { setting: 'delete.retention.ms', expected: '604800000', actual: '(not set)' },
      ],
    })
  })

  it('reads a cleanup policy list in any order', () => {
    const both = { ...spec, configs: { 'cleanup.policy': 'compact,delete' } }
    const [plan] = planTopics(
      [both],
      existing({ configs: { 'cleanup.policy': 'delete, compact' } }),
    )
    expect(plan?.action).toBe('unchanged')
  })
})
