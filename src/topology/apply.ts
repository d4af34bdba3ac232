import type { SubjectOutcome } from '../codecs/topic-schemas.js'
import type { TopicAdmin } from '../kafka/admin.js'
import type { Topology } from './file.js'
import { planTopics, topicDrift, type TopicPlan } from './plan.js'

export interface ApplyOptions {
  /** Report what would happen; create and register nothing. */
  readonly dryRun: boolean
  /** Registers (or, dry, checks) the Avro subjects; omitted: schemas are not touched. */
  readonly schemas?: (dryRun: boolean) => Promise<SubjectOutcome[]>
}

export type TopicOutcome =
  | { readonly action: 'created'; readonly plan: TopicPlan }
  | { readonly action: 'would-create'; readonly plan: TopicPlan }
  | { readonly action: 'unchanged'; readonly plan: TopicPlan }
  | { readonly action: 'drift'; readonly plan: Extract<TopicPlan, { action: 'drift' }> }

export interface ApplyResult {
  readonly dryRun: boolean
  readonly topics: readonly TopicOutcome[]
  readonly schemas: readonly SubjectOutcome[] | null
  /** Something was (or, dry, would be) created, registered or re-configured. */
  readonly changed: boolean
  /** An existing topic differs from the file (it was left as it is). */
  readonly drift: boolean
  /** A subject was refused (incompatible or invalid schema). */
  readonly failed: boolean
}

/**
 * Makes the cluster match the file where that is safe: creates missing topics, registers
 * schemas. Never alters an existing topic; differences come back as drift.
 */
export async function applyTopology(
  topology: Topology,
  admin: TopicAdmin,
  options: ApplyOptions,
): Promise<ApplyResult> {
  const names = topology.topics.map((t) => t.name)
  const plans = planTopics(topology.topics, await admin.describeTopics(names))
  const missing = plans.filter((p) => p.action === 'create').map((p) => p.spec)

  let topics: TopicOutcome[]
  if (options.dryRun || missing.length === 0) {
    topics = plans.map((plan) => outcomeOf(plan, options.dryRun))
  } else {
    await admin.createTopics(missing)
    // Another process may have created some of them first, differently: check what is there now.
    const after = await admin.describeTopics(missing.map((s) => s.name))
    topics = plans.map((plan): TopicOutcome => {
      if (plan.action !== 'create') return outcomeOf(plan, false)
      const current = after.get(plan.spec.name)
      if (!current) throw new Error(`topic ${plan.spec.name} is still missing after creating it`)
      const drift = topicDrift(plan.spec, current)
      return drift.length === 0
        ? { action: 'created', plan }
        : { action: 'drift', plan: { action: 'drift', spec: plan.spec, drift } }
    })
  }

  const schemas = options.schemas ? await options.schemas(options.dryRun) : null
  const schemaChanged = (schemas ?? []).some(
    (s) =>
      s.status === 'registered' ||
      s.status === 'would-register' ||
      (s.status === 'unchanged' && s.compatibilityBefore !== 'BACKWARD'),
  )
  return {
    dryRun: options.dryRun,
    topics,
    schemas,
    changed:
      topics.some((t) => t.action === 'created' || t.action === 'would-create') || schemaChanged,
    drift: topics.some((t) => t.action === 'drift'),
    failed: (schemas ?? []).some((s) => s.status === 'failed'),
  }
}

function outcomeOf(plan: TopicPlan, dryRun: boolean): TopicOutcome {
  switch (plan.action) {
    case 'create':
      return { action: dryRun ? 'would-create' : 'created', plan }
    case 'unchanged':
      return { action: 'unchanged', plan }
    case 'drift':
      return { action: 'drift', plan }
  }
}
