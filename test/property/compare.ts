/**
 * Event-by-event comparison of the resolver's decisions with the model's steps (and which
 * profiles each event emitted a snapshot of). Profile ids
 * differ (the model numbers its own), so the first event that ends in a profile binds the
 * model's id to the resolver's; every later mention must agree with that binding.
 */
import type { EventOutcome, OutputRecord } from '../../src/core/types.js'
import { keyOf, typeOfKey, type ModelEffect, type ModelStep } from './reference-rules.js'

class IdBinding {
  private readonly toReal = new Map<string, string>()
  private readonly toModel = new Map<string, string>()

  bind(tenant: string, modelId: string, realId: string): string | null {
    const m = `${tenant}/${modelId}`
    const r = `${tenant}/${realId}`
    const boundReal = this.toReal.get(m)
    const boundModel = this.toModel.get(r)
    if (boundReal !== undefined && boundReal !== r)
      return `model profile ${modelId} is resolver ${boundReal} earlier but ${realId} now`
    if (boundModel !== undefined && boundModel !== m)
      return `resolver profile ${realId} is model ${boundModel} earlier but ${modelId} now`
    this.toReal.set(m, r)
    this.toModel.set(r, m)
    return null
  }

  real(tenant: string, modelId: string): string {
    const r = this.toReal.get(`${tenant}/${modelId}`)
    return r === undefined ? `?model:${modelId}` : r.slice(tenant.length + 1)
  }
}

function modelEffectSignature(tenant: string, e: ModelEffect, ids: IdBinding): string {
  switch (e.kind) {
    case 'merged':
      return `merged ${ids.real(tenant, e.merged)} into ${ids.real(tenant, e.survivor)} via ${e.via}`
    case 'reassigned':
      return `reassigned ${e.link} ${ids.real(tenant, e.from)} -> ${ids.real(tenant, e.to)}`
    case 'merge-refused':
      return `refused ${ids.real(tenant, e.refused)} into ${ids.real(tenant, e.target)} (${e.limitType})`
    case 'deleted':
      return `deleted ${ids.real(tenant, e.profileId)}`
  }
}

function realEffectSignature(o: OutputRecord): string | null {
  switch (o.kind) {
    case 'merged':
      return `merged ${o.merged} into ${o.survivor} via ${o.via ? keyOf(o.via.type, o.via.value) : null}`
    case 'reassigned':
      return `reassigned ${keyOf(o.link.type, o.link.value)} ${o.from} -> ${o.to}`
    case 'merge-refused':
      return `refused ${o.refused} into ${o.target} (${o.limitType})`
    case 'deleted':
      return `deleted ${o.profileId}`
    case 'profile':
    case 'dead-letter':
      return null
  }
}

export interface StepView {
  readonly status: string
  readonly deadLetter: string | null
  readonly ambiguous: boolean
  readonly dropped: string[]
  readonly droppedAttributes: string[]
  readonly effects: string[]
  /** Profiles the event emitted a snapshot of. */
  readonly snapshots: string[]
}

/**
 * Returns, per event, the model's and the resolver's view side by side, stopping at the first
 * event where they differ (later differences are usually consequences of the first).
 */
export function firstDivergence(
  steps: readonly ModelStep[],
  outcomes: readonly EventOutcome[],
  outputs: readonly (readonly OutputRecord[])[],
  kinds: readonly string[],
): { index: number; model: StepView; real: StepView; binding: string | null } | null {
  const ids = new IdBinding()
  for (const [i, step] of steps.entries()) {
    const outcome = outcomes[i]!
    const out = outputs[i]!
    let binding: string | null = null
    if (kinds[i] === 'identify' && step.profileId !== null && outcome.profileId !== null)
      binding = ids.bind(step.tenant, step.profileId, outcome.profileId)
    const deadLetter = out.find((o) => o.kind === 'dead-letter')
    const model: StepView = {
      status: step.status,
      deadLetter: step.deadLetterReason,
      ambiguous: step.ambiguous,
      dropped: step.dropped.map((d) => `${typeOfKey(d.key)}|${d.reason}`).sort(),
      droppedAttributes: step.droppedAttributes.map((d) => `${d.field}|${d.reason}`).sort(),
      effects: step.effects.map((e) => modelEffectSignature(step.tenant, e, ids)).sort(),
      snapshots: step.shown.map((id) => ids.real(step.tenant, id)).sort(),
    }
    const real: StepView = {
      status: outcome.status,
      deadLetter: deadLetter?.kind === 'dead-letter' ? deadLetter.reason : null,
      ambiguous: outcome.ambiguous,
      dropped: outcome.dropped.map((d) => `${d.identifier.type}|${d.reason}`).sort(),
      droppedAttributes: outcome.droppedAttributes.map((d) => `${d.field}|${d.reason}`).sort(),
      effects: out
        .map(realEffectSignature)
        .filter((s): s is string => s !== null)
        .sort(),
      snapshots: out
        .flatMap((o) => (o.kind === 'profile' && o.profile !== null ? [o.profileId] : []))
        .sort(),
    }
    if (binding !== null || JSON.stringify(model) !== JSON.stringify(real))
      return { index: i, model, real, binding }
  }
  return null
}
