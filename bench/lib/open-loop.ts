/**
 * The schedule and the arithmetic of an open-loop load (bench/perf/api-load.ts): request i is
 * due at i / rate seconds after the start whatever the answers do, and its latency counts from
 * that due time (no coordinated omission).
 */

/** Milliseconds after the start when request `i` (0-based) is due. */
export const dueAtMs = (i: number, rate: number): number => (i * 1000) / rate

/**
 * How many requests are due `elapsedMs` after the start: those whose due time has come,
 * request 0 included at 0 ms (not one interval later), at most `total`.
 */
export function dueBy(elapsedMs: number, rate: number, total: number): number {
  if (elapsedMs < 0) return 0
  return Math.min(total, Math.floor((elapsedMs * rate) / 1000) + 1)
}

/** The nearest-rank percentile (p in (0, 1]) of ascending values; null when there are none. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)))
  return sorted[rank - 1] as number
}

/** p50/p90/p99/max of values in ms, rounded to 0.01 ms. */
export function latencySummary(values: number[]): {
  p50: number | null
  p90: number | null
  p99: number | null
  max: number | null
} {
  const sorted = [...values].sort((a, b) => a - b)
  const r = (p: number) => {
    const v = percentile(sorted, p)
    return v === null ? null : Math.round(v * 100) / 100
  }
  return { p50: r(0.5), p90: r(0.9), p99: r(0.99), max: r(1) }
}
