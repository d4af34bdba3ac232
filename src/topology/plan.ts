import type { TopicSpec } from './file.js'

/** What the cluster says about a topic that exists. */
export interface ExistingTopic {
  readonly name: string
  readonly partitions: number
  readonly replicationFactor: number
  /** Current values of (at least) the configs the spec sets. */
  readonly configs: Readonly<Record<string, string | null>>
}

export interface Drift {
  readonly setting: string
  readonly expected: string
  readonly actual: string
}

export type TopicPlan =
  | { readonly action: 'create'; readonly spec: TopicSpec }
  | { readonly action: 'unchanged'; readonly spec: TopicSpec }
  | { readonly action: 'drift'; readonly spec: TopicSpec; readonly drift: readonly Drift[] }

/**
 * Compares the file with the cluster. Existing topics are never altered: a difference is a
 * drift to report, because fixing it can be destructive (fewer partitions is impossible, more
 * re-maps every tenant key; a shorter retention deletes data).
 */
export function planTopics(
  specs: readonly TopicSpec[],
  existing: ReadonlyMap<string, ExistingTopic>,
): TopicPlan[] {
  return specs.map((spec): TopicPlan => {
    const current = existing.get(spec.name)
    if (!current) return { action: 'create', spec }
    const drift = topicDrift(spec, current)
    return drift.length === 0 ? { action: 'unchanged', spec } : { action: 'drift', spec, drift }
  })
}

export function topicDrift(spec: TopicSpec, current: ExistingTopic): Drift[] {
  const drift: Drift[] = []
  if (current.partitions !== spec.partitions) {
    drift.push({
      setting: 'partitions',
      expected: String(spec.partitions),
      actual: String(current.partitions),
    })
  }
  if (current.replicationFactor !== spec.replicationFactor) {
    drift.push({
      setting: 'replication factor',
      expected: String(spec.replicationFactor),
      actual: String(current.replicationFactor),
    })
  }
  for (const [key, expected] of Object.entries(spec.configs)) {
    const actual = current.configs[key] ?? null
    if (actual === null || !sameConfigValue(key, expected, actual)) {
      drift.push({ setting: key, expected, actual: actual ?? '(not set)' })
    }
  }
  return drift
}

function sameConfigValue(key: string, expected: string, actual: string): boolean {
  // Kafka accepts the policy list in any order and with spaces.
  if (key === 'cleanup.policy') return normaliseList(expected) === normaliseList(actual)
  return expected.trim() === actual.trim()
}

function normaliseList(value: string): string {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .sort()
    .join(',')
}
