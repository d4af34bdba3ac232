import { Counter, Histogram, Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { parsePromText, sumOf } from '../../../bench/lib/prom-text.js'

describe('parsePromText (how bench:e2e reads a processor child’s /metrics)', () => {
  it('reads counters across label sets and histogram buckets, sums and counts', async () => {
    const registry = new Registry()
    const outputs = new Counter({
      name: 'unifier_outputs_total',
      help: 'outputs',
      labelNames: ['kind'],
      registers: [registry],
    })
    const commits = new Histogram({
      name: 'unifier_commit_seconds',
      help: 'commits',
      buckets: [0.01, 0.1],
      registers: [registry],
    })
    outputs.inc({ kind: 'profile' }, 3)
    outputs.inc({ kind: 'merged' }, 2)
    for (const seconds of [0.005, 0.05, 0.5]) commits.observe(seconds)

    const samples = parsePromText(await registry.metrics())

    expect(sumOf(samples, 'unifier_outputs_total')).toBe(5)
    expect(sumOf(samples, 'unifier_commit_seconds_count')).toBe(3)
    expect(sumOf(samples, 'unifier_commit_seconds_sum')).toBeCloseTo(0.555)
    const buckets = samples
      .filter((s) => s.name === 'unifier_commit_seconds_bucket')
      .map((s) => [s.labels.le, s.value])
    expect(buckets).toEqual([
      ['0.01', 1],
      ['0.1', 2],
      ['+Inf', 3],
    ])
  })

  it('keeps escaped quotes inside label values and skips comments', () => {
    const samples = parsePromText(
      '# HELP x help\n# TYPE x counter\nx{reason="bad \\"json\\"",kind="a"} 4\n',
    )
    expect(samples).toEqual([
      { name: 'x', labels: { reason: 'bad \\"json\\"', kind: 'a' }, value: 4 },
    ])
  })
})
