/**
 * The targets of issue 14 held against what `npm run bench` measured: each figure by workload
 * (bench/lib/workload.ts), met or missed, and its ratio to a baseline (the same figures of an
 * earlier report, or of another git revision measured in the same run: run-all.ts
 * --baseline / --baseline-ref).
 */
import type { ChildRun } from '../lib/processes.js'

/** Named figures of one run, e.g. `e2e.realistic.processorMicros`; null when not measured. */
export type Figures = Record<string, number | null>

export interface Target {
  readonly key: string
  readonly label: string
  readonly better: 'lower' | 'higher'
  /** The bound; null when the issue sets none for this workload (shown for comparison). */
  readonly bound: number | null
}

const get = (o: unknown, path: string): number | null => {
  const v = path
    .split('.')
    .reduce<unknown>((x, k) => (x as Record<string, unknown> | undefined)?.[k], o)
  return typeof v === 'number' ? v : null
}

/** Reads the figures out of the parts' result files (core, e2e, resolve) and the increment. */
export function figuresOf(parts: readonly ChildRun[], incrementSpeedup: number | null): Figures {
  const out: Figures = { incrementSpeedup }
  for (const part of parts) {
    for (const result of part.results as Record<string, unknown>[]) {
      if (part.name === 'e2e' && result.workloads !== undefined) {
        for (const [w, r] of Object.entries(result.workloads as Record<string, unknown>)) {
          out[`e2e.${w}.processorMicros`] = get(r, 'throughput.processorCpuMicrosPerEvent')
          out[`e2e.${w}.brokerMicros`] = get(r, 'throughputCpuBudget.brokerMicros')
          out[`e2e.${w}.eventsPerSecond`] = get(r, 'throughput.eventsPerSecond')
          out[`e2e.${w}.p99Ms`] = get(r, 'latency.p99Ms')
          out[`e2e.${w}.recordsPerEvent`] = get(r, 'recordsPerEvent.totalPerEvent')
          out[`e2e.${w}.outputsPerEvent`] = get(r, 'recordsPerEvent.outputsPerEvent')
          out[`e2e.${w}.stateRecordsPerEvent`] = get(r, 'recordsPerEvent.stateChangelogPerEvent')
          out[`e2e.${w}.restorePerSecond`] = get(r, 'restore.recordsPerSecond')
          out[`e2e.${w}.restoreNetPerSecond`] = get(r, 'restore.netRecordsPerSecond')
        }
      }
      if (part.name === 'resolve' && Array.isArray(result.runs)) {
        for (const r of result.runs as Record<string, unknown>[]) {
          const k = `resolve.${String(r.workload)}.${String(r.store)}`
          out[`${k}.eventsPerSecond`] = get(r, 'eventsPerSecond')
          out[`${k}.cpuMicros`] = get(r, 'cpuMicrosPerEvent')
          out[`${k}.peakRssMiB`] = get(r, 'peakRssMiB')
        }
      }
      if (part.name === 'core' && Array.isArray(result.throughput)) {
        for (const r of result.throughput as Record<string, unknown>[]) {
          if (typeof r.workload !== 'string') continue
          const store = String(r.store).split(' ')[0] as string
          out[`core.${r.workload}.${store}.eventsPerCpuSecond`] = get(r, 'eventsPerCpuSec')
        }
      }
    }
  }
  return out
}

/** The targets, per workload; a null bound is a figure shown without a target. */
export function targets(workloads: readonly string[]): Target[] {
  const list: Target[] = []
  for (const w of workloads) {
    const realistic = w === 'realistic'
    const only = (bound: number) => (realistic ? bound : null)
    list.push(
      {
        key: `e2e.${w}.processorMicros`,
        label: 'processor CPU µs per event (bench:e2e child)',
        better: 'lower',
        bound: realistic ? 40 : w === 'churn' ? 80 : null,
      },
      {
        key: `e2e.${w}.eventsPerSecond`,
        label: 'end to end, exactly-once, events/s',
        better: 'higher',
        bound: only(25_000),
      },
      {
        key: `e2e.${w}.p99Ms`,
        label: 'p99 ms at 5,000 events/s',
        better: 'lower',
        bound: only(100),
      },
      {
        key: `e2e.${w}.recordsPerEvent`,
        label: 'Kafka records written per input event',
        better: 'lower',
        bound: only(1.5),
      },
      {
        key: `resolve.${w}.memory.eventsPerSecond`,
        label: 'unifier resolve, memory store, events/s',
        better: 'higher',
        bound: only(200_000),
      },
      {
        key: `resolve.${w}.rocksdb.eventsPerSecond`,
        label: 'unifier resolve, RocksDB, events/s',
        better: 'higher',
        bound: only(100_000),
      },
      {
        key: `resolve.${w}.memory.cpuMicros`,
        label: 'unifier resolve, memory store, CPU µs per event (net of start-up)',
        better: 'lower',
        bound: null,
      },
      {
        key: `resolve.${w}.rocksdb.cpuMicros`,
        label: 'unifier resolve, RocksDB, CPU µs per event (net of start-up)',
        better: 'lower',
        bound: null,
      },
      {
        key: `resolve.${w}.rocksdb.peakRssMiB`,
        label: 'unifier resolve peak RSS MiB (RocksDB)',
        better: 'lower',
        bound: only(300),
      },
      {
        key: `e2e.${w}.restorePerSecond`,
        label: 'restore, changelog offsets/s from start (group join included)',
        better: 'higher',
        bound: null,
      },
      {
        // The restore's own rate: a small changelog's wall clock is mostly the fixed start.
        key: `e2e.${w}.restoreNetPerSecond`,
        label: 'restore, records/s net of a restart with nothing to replay',
        better: 'higher',
        bound: 100_000,
      },
    )
  }
  list.push({
    key: 'incrementSpeedup',
    label: '1 % increment vs DuckDB full recompute (x)',
    better: 'higher',
    bound: 20,
  })
  return list
}

function verdict(t: Target, value: number | null): string {
  if (value === null) return 'not measured'
  if (t.bound === null) return '—'
  const met = t.better === 'lower' ? value <= t.bound : value >= t.bound
  return met ? 'met' : 'missed'
}

const fmt = (n: number | null) =>
  n === null ? '—' : Number.isInteger(n) ? String(n) : String(Math.round(n * 100) / 100)

/**
 * The markdown table: target, measured, met / missed, and with a baseline its figure and the
 * ratio now / baseline (below 1 is better for a "lower" figure).
 */
export function targetsTable(
  now: Figures,
  workloads: readonly string[],
  baseline?: { readonly label: string; readonly figures: Figures },
): string[] {
  const head = ['figure', 'workload', 'target', 'measured', 'verdict']
  if (baseline !== undefined) head.push(`${baseline.label}`, 'ratio now / baseline')
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => ' --- |').join('')}`]
  for (const t of targets(workloads)) {
    const value = now[t.key] ?? null
    const workload = t.key.split('.')[1] ?? ''
    const cells = [
      t.label,
      t.key === 'incrementSpeedup' ? 'accuracy dataset' : workload,
      t.bound === null ? '—' : `${t.better === 'lower' ? '≤' : '≥'} ${fmt(t.bound)}`,
      fmt(value),
      verdict(t, value),
    ]
    if (baseline !== undefined) {
      const before = baseline.figures[t.key] ?? null
      cells.push(
        fmt(before),
        value === null || before === null || before === 0
          ? '—'
          : `${(value / before).toFixed(2)} (${t.better} is better)`,
      )
    }
    lines.push(`| ${cells.join(' | ')} |`)
  }
  return lines
}
