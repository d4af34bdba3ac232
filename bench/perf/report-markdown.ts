/**
 * The generated part of docs/benchmarks.md: everything between the two markers is replaced on
 * each `npm run bench`; the rest of the file is left as written.
 */
import type { ChildRun } from '../lib/processes.js'

export const START = '<!-- bench:report:start -->'
export const END = '<!-- bench:report:end -->'

interface Score {
  precision: number
  recall: number
  f1: number
  profiles: number
  overMerged: number
  overMergedWithPlaceholder: number
  overMergedBy?: Record<string, number>
  withPlaceholder: number
  splitPersons: number
  largestProfile: { identifiers: number; persons: number }
}
interface Timed {
  mergesVia?: Record<string, number>
  dropped?: Record<string, number>
  elapsedMs: number
  eventsPerSecond: number
  events: number
  badLines: number
}
export interface AccuracyReport {
  data: { events: number; incrementEvents: number; persons: number; seed: number }
  truth: { scoredIdentifiers: number; persons: number; evidenceFragments: number }
  variants: Record<
    string,
    { store: string; full: Timed; increment: Timed; score: Score; evidence: Score }
  >
}
export interface BaselineReport {
  duckdb: string
  threads: number
  runs: Record<
    string,
    { timings: { totalMs: number; iterations: number }; score: Score; evidence: Score }
  >
}
export interface Report {
  /** Named figures the targets are held against (targets.ts), for a later run's ratios. */
  figures?: Record<string, number | null>
  /** The targets table (markdown lines) as printed. */
  targets?: string[]
  /** What the targets' ratios were taken against (run-all.ts --baseline / --baseline-ref). */
  previous?: { label: string; figures: Record<string, number | null> }
  measuredAt: string
  machine: Record<string, unknown>
  versions: Record<string, string>
  parts: readonly ChildRun[]
  accuracy: AccuracyReport | null
  baseline: BaselineReport | null
  incrementSpeedup: number | null
}

const f4 = (x: number) => x.toFixed(4)
const mib = (kib: number | null) => (kib === null ? 'n/a' : `${Math.round(kib / 1024)} MiB`)
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`

const causes = (score: Score) =>
  Object.entries(score.overMergedBy ?? {})
    .filter(([, n]) => n > 0)
    .map(([cause, n]) => `${cause} ${n}`)
    .join(', ')

function scoreRow(name: string, score: Score, evidence: Score): string {
  return (
    `| ${name} | ${f4(score.precision)} | ${f4(score.recall)} | **${f4(score.f1)}** | ` +
    `${f4(evidence.f1)} | ${score.profiles} | ${score.overMerged} | ` +
    `${score.overMergedWithPlaceholder} | ${causes(score)} | ${score.largestProfile.persons} / ${score.largestProfile.identifiers} |`
  )
}

const SCORE_HEADER = [
  '| run | precision | recall | F1 | F1 vs fragments | profiles | over-merged | over-merged with a placeholder | over-merged by what they hold | largest (persons / ids) |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
]

/** One end-to-end run (a workload of bench:e2e, or an older single-run results file). */
function e2eLine(label: string, result: Record<string, unknown>): string[] {
  const latency = result.latency as Record<string, number> | undefined
  const e2e = result.throughput as Record<string, number> | undefined
  if (latency === undefined || e2e === undefined || Array.isArray(e2e)) return []
  const restore = result.restore as Record<string, number> | undefined
  const budget = result.throughputCpuBudget as Record<string, number> | undefined
  const records = result.recordsPerEvent as Record<string, number> | undefined
  return [
    '',
    `End-to-end through Kafka (${label}): ${e2e.events} events at ${e2e.eventsPerSecond} events/s; ` +
      `latency at ${latency.rate} events/s p50 ${latency.p50Ms} ms, p99 ${latency.p99Ms} ms` +
      (restore === undefined ? '' : `; restore ${restore.recordsPerSecond} changelog records/s`) +
      (records === undefined
        ? ''
        : `; ${records.totalPerEvent} Kafka records per event (${records.outputsPerEvent} outputs, ${records.stateChangelogPerEvent} state changelog)`) +
      (budget === undefined
        ? ''
        : `; CPU per event from the backlog: processor ${budget.processorMicros} µs, ` +
          `broker ${budget.brokerMicros} µs, registry ${budget.registryMicros} µs, so ` +
          `${budget.cores} cores sustain at most ~${budget.ceilingEventsPerSecond} events/s`) +
      ' (docs of bench/perf/e2e.ts for what each figure covers).',
  ]
}

function coreLines(parts: readonly ChildRun[]): string[] {
  const lines: string[] = []
  for (const part of parts) {
    for (const result of part.results as Record<string, unknown>[]) {
      const throughput = result.throughput
      if (Array.isArray(throughput)) {
        lines.push(
          '',
          `Core (${part.command}):`,
          '',
          '| store | events | events/s |',
          '| --- | --- | --- |',
        )
        lines[lines.length - 2] = '| workload | store | events | events/s | CPU µs per event |'
        lines[lines.length - 1] = '| --- | --- | --- | --- | --- |'
        for (const row of throughput as {
          workload?: string
          store: string
          events: number
          eventsPerSec: number
          cpuMicrosPerEvent?: number
        }[]) {
          lines.push(
            `| ${row.workload ?? 'churn'} | ${row.store} | ${row.events} | ${row.eventsPerSec} | ${row.cpuMicrosPerEvent ?? '—'} |`,
          )
        }
      }
      const workloads = result.workloads as Record<string, Record<string, unknown>> | undefined
      if (workloads !== undefined && !Array.isArray(workloads)) {
        for (const [name, run] of Object.entries(workloads)) {
          lines.push(...e2eLine(`${part.command}, ${name}`, run))
        }
      }
      if (part.name === 'resolve' && Array.isArray(result.runs)) {
        lines.push(
          '',
          `unifier resolve (${part.command}):`,
          '',
          '| workload | store | events | events/s | CPU µs per event | peak RSS MiB |',
          '| --- | --- | --- | --- | --- | --- |',
        )
        for (const r of result.runs as Record<string, unknown>[]) {
          lines.push(
            `| ${String(r.workload)} | ${String(r.store)} | ${String(r.events)} | ${String(r.eventsPerSecond)} | ${String(r.cpuMicrosPerEvent)} | ${String(r.peakRssMiB)} |`,
          )
        }
      }
      lines.push(...e2eLine(part.command, result))
      const stores = result.stores
      if (Array.isArray(stores)) {
        lines.push(
          '',
          `Stores (${part.command}):`,
          '',
          '| store | keys | puts/s | gets/s |',
          '| --- | --- | --- | --- |',
        )
        for (const row of stores as {
          store: string
          keys: number
          putsPerSec: number
          getsPerSec: number
        }[]) {
          lines.push(`| ${row.store} | ${row.keys} | ${row.putsPerSec} | ${row.getsPerSec} |`)
        }
      }
    }
  }
  return lines
}

export function reportSection(report: Report): string {
  const { accuracy, baseline } = report
  const lines = [
    START,
    '',
    `_Generated by \`npm run bench\` at ${report.measuredAt}; do not edit by hand._`,
    '',
    `Machine: ${JSON.stringify(report.machine)}. Versions: ${Object.entries(report.versions)
      .map(([name, version]) => `${name} ${version}`)
      .join(', ')}. The 2 cores are shared with other work, so absolute rates are lower bounds.`,
    '',
    '| part | command | exit | wall time | peak RSS |',
    '| --- | --- | --- | --- | --- |',
    ...report.parts.map(
      (part) =>
        `| ${part.name} | \`${part.command}\` | ${part.exitCode} | ${part.seconds.toFixed(1)} s | ${mib(part.maxRssKiB)} |`,
    ),
    ...(report.targets === undefined
      ? []
      : [
          '',
          `Targets of issue 14${report.previous === undefined ? '' : `, against ${report.previous.label}`}:`,
          '',
          ...report.targets,
        ]),
    ...coreLines(report.parts),
  ]
  if (accuracy !== null) {
    const { data } = accuracy
    lines.push(
      '',
      `Accuracy (docs/accuracy.md): ${data.persons} persons, seed ${data.seed}, ` +
        `${data.events} lines + ${data.incrementEvents} increment lines; ` +
        `${accuracy.truth.scoredIdentifiers} scored identifiers in ${accuracy.truth.evidenceFragments} evidence fragments. ` +
        'Precision/recall/F1 against the persons; "vs fragments" against what the events connect (a diagnostic).',
      '',
      ...SCORE_HEADER,
      ...Object.entries(accuracy.variants).map(([name, run]) =>
        scoreRow(`Profile Unifier, ${name}`, run.score, run.evidence),
      ),
    )
    if (baseline !== null) {
      lines.push(
        ...Object.entries(baseline.runs).map(([name, run]) =>
          scoreRow(`DuckDB baseline, ${name}`, run.score, run.evidence),
        ),
      )
    }
    lines.push(
      '',
      "Merges by the identifier that connected the two profiles (the merge record's `via`), full run + increment:",
      '',
      '| run | via an owned identifier | via a shared landline | via a changed-owner identifier | via a placeholder | identifiers dropped as blocked | dropped over a limit |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...Object.entries(accuracy.variants).map(([name, run]) => {
        const via = (cause: string) =>
          (run.full.mergesVia?.[cause] ?? 0) + (run.increment.mergesVia?.[cause] ?? 0)
        const dropped = (reason: string) =>
          (run.full.dropped?.[reason] ?? 0) + (run.increment.dropped?.[reason] ?? 0)
        return `| ${name} | ${via('owned')} | ${via('shared')} | ${via('changed-owner')} | ${via('placeholder')} | ${dropped('blocked')} | ${dropped('limit-exceeded')} |`
      }),
    )
    const main = accuracy.variants.default
    if (main !== undefined) {
      lines.push(
        '',
        `Profile Unifier (RocksDB): full run ${s(main.full.elapsedMs)} (${main.full.eventsPerSecond} events/s); ` +
          `increment of ${main.increment.events + main.increment.badLines} lines absorbed on the existing state in ${s(main.increment.elapsedMs)}.`,
      )
    }
  }
  if (baseline !== null) {
    const run = baseline.runs['deny-list']
    if (run !== undefined) {
      lines.push(
        '',
        `DuckDB ${baseline.duckdb} (${baseline.threads} threads): full recompute over events + increment ` +
          `${s(run.timings.totalMs)} (${run.timings.iterations} propagation rounds).`,
      )
    }
  }
  if (report.incrementSpeedup !== null) {
    lines.push(
      '',
      `**Increment: Profile Unifier absorbs 1% new events ${report.incrementSpeedup.toFixed(1)}× faster than the warehouse recomputes.**`,
    )
  }
  lines.push('', END)
  return lines.join('\n')
}

/** Replaces the marked section of a markdown file, or appends one when there is none. */
export function replaceSection(markdown: string, section: string): string {
  const start = markdown.indexOf(START)
  const end = markdown.indexOf(END)
  if (start === -1 || end === -1 || end < start) {
    return `${markdown.trimEnd()}\n\n## Latest report\n\n${section}\n`
  }
  return markdown.slice(0, start) + section + markdown.slice(end + END.length)
}
