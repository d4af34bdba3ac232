import { describe, expect, it } from 'vitest'
import { dueAtMs, dueBy, latencySummary, percentile } from '../../../bench/lib/open-loop.js'

describe('bench:api open-loop schedule', () => {
  it('sends request 0 at the start and request i at i / rate, not one interval late', () => {
    // 1,000/s: one request a millisecond
    expect(dueBy(0, 1_000, 10)).toBe(1)
    expect(dueBy(0.999, 1_000, 10)).toBe(1)
    expect(dueBy(1, 1_000, 10)).toBe(2)
    expect(dueBy(4.5, 1_000, 10)).toBe(5)
    expect(dueAtMs(4, 1_000)).toBe(4)
    // every request counted as due is due by then
    for (const t of [0, 0.3, 7.9, 12.2])
      expect(dueAtMs(dueBy(t, 5_000, 1e9) - 1, 5_000)).toBeLessThanOrEqual(t)
  })

  it('stops at the total and sends nothing before the start', () => {
    expect(dueBy(60_000, 1_000, 500)).toBe(500)
    expect(dueBy(-1, 1_000, 500)).toBe(0)
  })

  it('takes percentiles by nearest rank', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1)
    expect(percentile(hundred, 0.5)).toBe(50)
    expect(percentile(hundred, 0.99)).toBe(99)
    expect(percentile(hundred, 1)).toBe(100)
    expect(percentile([7], 0.99)).toBe(7)
    expect(percentile([], 0.5)).toBeNull()
    expect(latencySummary([3, 1, 2, 4])).toEqual({ p50: 2, p90: 4, p99: 4, max: 4 })
  })
})
