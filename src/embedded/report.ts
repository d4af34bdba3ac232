import type { Identifier } from '../core/types.js'
import type { EmbeddedRunReport, LoggedOutput } from './run-embedded.js'

const id = (identifier: unknown): string => {
  const i = identifier as Identifier | null | undefined
  return i === null || i === undefined ? '-' : `${i.type}:${i.value}`
}
const iso = (millis: number): string => new Date(millis).toISOString()
const str = (value: unknown): string =>
  value === null || value === undefined ? '-' : String(value)

function section(
  title: string,
  items: readonly LoggedOutput[],
  line: (o: LoggedOutput) => string,
): string[] {
  return [
    '',
    `${title} (${items.length})`,
    ...(items.length === 0 ? ['  none'] : items.map((o) => `  ${line(o)}`)),
  ]
}

/** The human-readable summary `npm start` prints. */
export function formatEmbeddedReport(report: EmbeddedRunReport): string {
  const lines = [
    '',
    `Input log: ${report.inputRecords} events (${report.imported} imported now); this run processed ${report.processed}` +
      (report.processed === 0 ? ' (all were processed by an earlier run: nothing done twice)' : ''),
    '',
    `Profiles (${report.profiles.length})`,
  ]
  for (const p of report.profiles) {
    lines.push(`  ${p.tenant} ${p.profileId}${p.anchor === null ? '' : `  anchor ${id(p.anchor)}`}`)
    lines.push(`    identifiers  ${p.identifiers.map(id).join(', ') || '-'}`)
    lines.push(`    channels     ${p.channels.join(', ') || '-'}`)
    const attributes = Object.entries(p.attributes).map(([k, v]) => `${k}=${String(v)}`)
    lines.push(`    attributes   ${attributes.join(', ') || '-'}`)
    if (p.mergedFrom.length > 0) lines.push(`    merged from  ${p.mergedFrom.join(', ')}`)
    lines.push(`    created      ${iso(p.createdAt)}, updated ${iso(p.updatedAt)}`)
  }
  const { outputs } = report
  lines.push(
    ...section(
      'Merges this run',
      outputs['profile-merged'],
      (m) => `${str(m.eventId)}: ${str(m.merged)} merged into ${str(m.survivor)} via ${id(m.via)}`,
    ),
    ...section(
      'Reassignments this run',
      outputs['link-reassigned'],
      (r) => `${str(r.eventId)}: ${id(r.link)} moved from ${str(r.from)} to ${str(r.to)}`,
    ),
    ...section(
      'Refused merges this run',
      outputs['merge-refused'],
      (r) =>
        `${str(r.eventId)}: ${str(r.refused)} not merged into ${str(r.target)} (limit of ${str(r.limitType)})`,
    ),
    ...section(
      'Dead letters this run',
      outputs['dead-letter'],
      (d) => `input #${str(d.sourceOffset)} ${str(d.eventId)}: ${str(d.reason)} (${str(d.detail)})`,
    ),
  )
  return `${lines.join('\n')}\n`
}
