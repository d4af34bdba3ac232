import type { DropReason, Identifier, OutputRecord } from '../core/types.js'
import type { ExportedProfile } from './profiles.js'

type Output<K extends OutputRecord['kind']> = Extract<OutputRecord, { kind: K }> & {
  readonly line: number
}

/** What one `unifier start` run saw, for the human-readable report on stdout. */
export interface StartReport {
  readonly eventsRead: number
  readonly applied: number
  readonly duplicates: number
  readonly badLines: ReadonlyArray<{
    readonly line: number
    readonly eventId: string | null
    readonly detail: string
  }>
  readonly dropped: ReadonlyArray<{
    readonly line: number
    readonly eventId: string
    readonly identifier: Identifier
    readonly reason: DropReason
  }>
  readonly profiles: readonly ExportedProfile[]
  readonly merges: readonly Output<'merged'>[]
  readonly reassignments: readonly Output<'reassigned'>[]
  readonly refusals: readonly Output<'merge-refused'>[]
  readonly deadLetters: readonly Output<'dead-letter'>[]
}

const id = (identifier: Identifier | null): string =>
  identifier === null ? '-' : `${identifier.type}:${identifier.value}`

const iso = (millis: number): string => new Date(millis).toISOString()

function section<T>(title: string, items: readonly T[], line: (item: T) => string): string[] {
  return [
    '',
    `${title} (${items.length})`,
    ...(items.length === 0 ? ['  none'] : items.map((item) => `  ${line(item)}`)),
  ]
}

export function formatStartReport(report: StartReport): string {
  const lines = [
    '',
    `This run: ${report.eventsRead} events read, ${report.applied} applied, ${report.duplicates} duplicates (eventId already applied: skipped), ${report.deadLetters.length + report.badLines.length} dead-lettered`,
  ]
  lines.push('', `Profiles (${report.profiles.length})`)
  for (const p of report.profiles) {
    lines.push(`  ${p.tenant} ${p.profileId}${p.anchor === null ? '' : `  anchor ${id(p.anchor)}`}`)
    lines.push(`    identifiers  ${p.identifiers.map(id).join(', ') || '-'}`)
    lines.push(`    channels     ${p.channels.join(', ') || '-'}`)
    const attributes = Object.entries(p.attributes).map(([k, v]) => `${k}=${String(v)}`)
    lines.push(`    attributes   ${attributes.join(', ') || '-'}`)
    for (const entry of p.timeline) {
      lines.push(`    timeline     ${iso(entry.timestamp)} ${entry.source}: ${entry.note}`)
    }
    if (p.mergedFrom.length > 0) lines.push(`    merged from  ${p.mergedFrom.join(', ')}`)
    lines.push(`    created      ${iso(p.createdAt)}, updated ${iso(p.updatedAt)}`)
  }
  lines.push(
    ...section(
      'Merges this run',
      report.merges,
      (m) => `line ${m.line} ${m.eventId}: ${m.merged} merged into ${m.survivor} via ${id(m.via)}`,
    ),
    ...section(
      'Reassignments this run',
      report.reassignments,
      (r) => `line ${r.line} ${r.eventId}: ${id(r.link)} moved from ${r.from} to ${r.to}`,
    ),
    ...section(
      'Refused merges this run',
      report.refusals,
      (r) =>
        `line ${r.line} ${r.eventId}: ${r.refused} not merged into ${r.target} (limit of ${r.limitType}) via ${id(r.via)}`,
    ),
    ...section(
      'Identifiers dropped this run (blocked, invalid, over a limit, ...)',
      report.dropped,
      (d) => `line ${d.line} ${d.eventId}: ${id(d.identifier)} ${d.reason}`,
    ),
    ...section(
      'Dead letters this run',
      [
        ...report.badLines.map((b) => ({
          line: b.line,
          text: `${b.eventId ?? '(no eventId)'}: ${b.detail}`,
        })),
        ...report.deadLetters.map((d) => ({
          line: d.line,
          text: `${d.eventId ?? '(no eventId)'}: ${d.reason} (${d.detail})`,
        })),
      ].sort((a, b) => a.line - b.line),
      (d) => `line ${d.line} ${d.text}`,
    ),
  )
  return `${lines.join('\n')}\n`
}
