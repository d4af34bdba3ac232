import { Histogram, Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { buckets, cpuBudget, slowerThan, spread } from '../../../bench/perf/e2e-metrics.js'
import { parsePromText } from '../../../bench/lib/prom-text.js'

describe('bench:e2e metric summaries', () => {
  it('gives the share of one phase’s commits slower than each bound, not the whole run’s', async () => {
    const registry = new Registry()
    const commits = new Histogram({
      name: 'unifier_commit_seconds',
      help: 'commits',
      buckets: [0.05, 0.25],
      registers: [registry],
    })
    // before the phase: slow commits that must not count
    for (const seconds of [1, 1, 1]) commits.observe(seconds)
    const before = buckets(parsePromText(await registry.metrics()))
    // the phase: two fast, one over 50 ms, one over 250 ms
    for (const seconds of [0.01, 0.02, 0.1, 0.3]) commits.observe(seconds)
    const after = buckets(parsePromText(await registry.metrics()))

    expect(slowerThan(before, after).unifier_commit_seconds).toEqual({
      count: 4,
      '>50ms': 0.5,
      '>250ms': 0.25,
    })
  })

  it('prices CPU per event and the events/s the cores allow at that cost', () => {
    const budget = cpuBudget(10_000, 1.2, { broker: 0.2, registry: 0.1 })
    expect(budget.processorMicros).toBe(120)
    expect(budget.brokerMicros).toBe(20)
    expect(budget.registryMicros).toBe(10)
    // 150 µs of CPU per event in all: each core gives ~6,667 events/s
    expect(budget.ceilingEventsPerSecond).toBe(Math.round((budget.cores as number) * 6_666.67))
  })

  it('takes percentiles without reordering the samples it is given', () => {
    const samples = [5, 1, 4, 2, 3]
    expect(spread(samples)).toEqual({ p50Ms: 3, p90Ms: 5, p99Ms: 5, maxMs: 5 })
    expect(samples).toEqual([5, 1, 4, 2, 3])
  })
})
