import { describe, expect, it } from 'vitest'
import { exitCodeOf, EXIT_DRIFT, EXIT_SCHEMA_REFUSED } from '../../../src/cli/commands/topology.js'
import { SchemaRegistryError } from '../../../src/codecs/errors.js'
import type { SubjectOutcome } from '../../../src/codecs/topic-schemas.js'
import { applyTopology } from '../../../src/topology/apply.js'
import { loadTopology } from '../../../src/topology/file.js'
import { defaultTopologyFile } from '../../../src/topology/package-files.js'
import { formatApplyReport } from '../../../src/topology/report.js'
import { MemoryTopicAdmin } from './memory-topic-admin.js'

const topology = await loadTopology(defaultTopologyFile(), { prefix: 'u.' })

describe('applying a topology', () => {
  it('creates what is missing; a second run changes nothing and says so', async () => {
    const admin = new MemoryTopicAdmin()
    const first = await applyTopology(topology, admin, { dryRun: false })
    expect(first.changed).toBe(true)
    expect(first.topics.every((t) => t.action === 'created')).toBe(true)
    expect(admin.created).toEqual(topology.topics.map((t) => t.name))

    const second = await applyTopology(topology, admin, { dryRun: false })
    expect(second.changed).toBe(false)
    expect(second.drift).toBe(false)
    expect(second.topics.every((t) => t.action === 'unchanged')).toBe(true)
    expect(admin.created).toHaveLength(topology.topics.length)
    expect(formatApplyReport(second)).toMatch(/\n\nNothing changed\.$/)
  })

  it('in a dry run creates nothing and reports what it would create', async () => {
    const admin = new MemoryTopicAdmin()
    const result = await applyTopology(topology, admin, { dryRun: true })
    expect(admin.topics.size).toBe(0)
    expect(result.topics.every((t) => t.action === 'would-create')).toBe(true)
    expect(formatApplyReport(result)).toContain('8 topic(s) to create.')
  })

  it('never alters a drifted topic; it reports what differs', async () => {
    const admin = new MemoryTopicAdmin()
    await applyTopology(topology, admin, { dryRun: false })
    const merged = admin.topics.get('u.profile-merged')!
    admin.topics.set(merged.name, {
      ...merged,
      configs: { ...merged.configs, 'retention.ms': '86400000' },
    })
    const result = await applyTopology(topology, admin, { dryRun: false })
    expect(result.drift).toBe(true)
    expect(result.changed).toBe(false)
    expect(admin.topics.get(merged.name)?.configs['retention.ms']).toBe('86400000')
    const report = formatApplyReport(result)
    expect(report).toMatch(/DRIFT +u\.profile-merged +left as it is/)
    expect(report).toContain('retention.ms: file 2592000000, topic 86400000')
    expect(report).toContain('Nothing changed; 1 topic(s) drifted')
    expect(exitCodeOf(result, {})).toBe(0)
    expect(exitCodeOf(result, { failOnDrift: true })).toBe(EXIT_DRIFT)
  })

  it('a topic another process created first, differently, is drift, not "created"', async () => {
    const admin = new MemoryTopicAdmin()
    admin.raceOnCreate = {
      name: 'u.dead-letter',
      partitions: 1,
      replicationFactor: 1,
      configs: { 'cleanup.policy': 'delete', 'retention.ms': '604800000' },
    }
    const result = await applyTopology(topology, admin, { dryRun: false })
    const deadLetter = result.topics.find((t) => t.plan.spec.name === 'u.dead-letter')
    expect(deadLetter?.action).toBe('drift')
    expect(result.drift).toBe(true)
  })

  it('passes the dry-run flag to the schema step and reports refused subjects', async () => {
    const seen: boolean[] = []
    const outcomes: SubjectOutcome[] = [
      {
        subject: 'u.contact-events-key',
        status: 'unchanged',
        id: 1,
        compatibilityBefore: 'BACKWARD',
      },
      {
        subject: 'u.contact-events-value',
        status: 'failed',
        error: new SchemaRegistryError(
          'incompatible-schema',
          'field region has no default',
          'u.contact-events-value',
        ),
      },
    ]
    const result = await applyTopology(topology, new MemoryTopicAdmin(), {
      dryRun: true,
      schemas: async (dryRun) => {
        seen.push(dryRun)
        return outcomes
      },
    })
    expect(seen).toEqual([true])
    expect(result.failed).toBe(true)
    expect(exitCodeOf(result, {})).toBe(EXIT_SCHEMA_REFUSED)
    const report = formatApplyReport(result)
    expect(report).toMatch(/REFUSED +u\.contact-events-value\n +field region has no default/)
    expect(report).toContain('1 schema(s) refused')
  })

  it('counts putting a subject back to BACKWARD as a change', async () => {
    const admin = new MemoryTopicAdmin()
    await applyTopology(topology, admin, { dryRun: false })
    const result = await applyTopology(topology, admin, {
      dryRun: false,
      schemas: async () => [
        { subject: 'u.dead-letter-value', status: 'unchanged', id: 4, compatibilityBefore: 'NONE' },
      ],
    })
    expect(result.changed).toBe(true)
    const report = formatApplyReport(result)
    expect(report).toContain('compatibility NONE → BACKWARD')
    expect(report).toContain('1 subject(s) set to BACKWARD compatibility.')
  })
})
