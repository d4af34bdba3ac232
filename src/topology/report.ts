import type { SubjectOutcome } from '../codecs/topic-schemas.js'
import type { ApplyResult, TopicOutcome } from './apply.js'
import type { TopicSpec } from './file.js'

/** The human report of `unifier topology apply`: one line per topic and subject, then a verdict. */
export function formatApplyReport(result: ApplyResult): string {
  const lines: string[] = [result.dryRun ? 'Topics (dry run):' : 'Topics:']
  const width = Math.max(...result.topics.map((t) => t.plan.spec.name.length))
  for (const outcome of result.topics) lines.push(...topicLines(outcome, width))

  if (result.schemas) {
    lines.push(result.dryRun ? 'Schemas (dry run):' : 'Schemas:')
    const subjectWidth = Math.max(0, ...result.schemas.map((s) => s.subject.length))
    for (const outcome of result.schemas) lines.push(...subjectLines(outcome, subjectWidth))
  }

  lines.push('', summary(result))
  return lines.map((line) => line.trimEnd()).join('\n')
}

function topicLines(outcome: TopicOutcome, width: number): string[] {
  const spec = outcome.plan.spec
  const name = spec.name.padEnd(width)
  switch (outcome.action) {
    case 'created':
      return [`  created         ${name}  ${describe(spec)}`]
    case 'would-create':
      return [`  would create    ${name}  ${describe(spec)}`]
    case 'unchanged':
      return [`  unchanged       ${name}`]
    case 'drift':
      return [
        `  DRIFT           ${name}  left as it is; differs from the file:`,
        ...outcome.plan.drift.map(
          (d) =>
            `                  ${' '.repeat(width)}  ${d.setting}: file ${d.expected}, topic ${d.actual}`,
        ),
      ]
  }
}

function describe(spec: TopicSpec): string {
  const configs = Object.entries(spec.configs).map(([k, v]) => `${k}=${v}`)
  return [
    `${spec.partitions} partitions`,
    `replication ${spec.replicationFactor}`,
    ...configs,
  ].join(', ')
}

function subjectLines(outcome: SubjectOutcome, width: number): string[] {
  const subject = outcome.subject.padEnd(width)
  switch (outcome.status) {
    case 'registered':
      return [`  registered      ${subject}  id ${outcome.id}, compatibility BACKWARD`]
    case 'would-register':
      return [`  would register  ${subject}`]
    case 'unchanged': {
      const compat =
        outcome.compatibilityBefore === 'BACKWARD'
          ? ''
          : `; compatibility ${outcome.compatibilityBefore ?? '(unset)'} → BACKWARD`
      return [`  unchanged       ${subject}  id ${outcome.id}${compat}`]
    }
    case 'failed':
      return [`  REFUSED         ${subject}`, ...indent(outcome.error.message)]
  }
}

function indent(text: string): string[] {
  return text.split('\n').map((line) => `                  ${line}`)
}

function summary(result: ApplyResult): string {
  const count = (action: TopicOutcome['action']): number =>
    result.topics.filter((t) => t.action === action).length
  const parts: string[] = []
  const created = count('created') + count('would-create')
  if (created > 0) parts.push(`${created} topic(s) ${result.dryRun ? 'to create' : 'created'}`)
  const drifted = count('drift')
  if (drifted > 0) {
    parts.push(`${drifted} topic(s) drifted from the file and were not changed (docs/topology.md)`)
  }
  const schemas = result.schemas ?? []
  const registered = schemas.filter(
    (s) => s.status === 'registered' || s.status === 'would-register',
  ).length
  if (registered > 0) {
    parts.push(`${registered} schema(s) ${result.dryRun ? 'to register' : 'registered'}`)
  }
  const recompat = schemas.filter(
    (s) => s.status === 'unchanged' && s.compatibilityBefore !== 'BACKWARD',
  ).length
  if (recompat > 0) {
    parts.push(
      `${recompat} subject(s) ${result.dryRun ? 'to set' : 'set'} to BACKWARD compatibility`,
    )
  }
  const refused = schemas.filter((s) => s.status === 'failed').length
  if (refused > 0) parts.push(`${refused} schema(s) refused`)
  if (!result.changed) parts.unshift(result.dryRun ? 'Nothing to change' : 'Nothing changed')
  return `${parts.join('; ')}.`
}
