/**
 * Runs a scenario through the real resolver (state in a plain Map, each decision's writes
 * applied before the next event, exactly as the runtime promises) and through the reference
 * model, and records what a consumer would observe after every event.
 */
import type { IdentityConfig } from '../../src/core/config.js'
import { createResolver, type Resolver, type StateRecord } from '../../src/core/resolver.js'
import type { Decision, StateReader } from '../../src/core/state.js'
import type { ContactEvent, EventOutcome, OutputRecord } from '../../src/core/types.js'
import { ChangelogView } from './observe.js'
import { AnchorHomes, invariantViolations, Retirements } from './invariants.js'
import { realHooks } from './real-hooks.js'
import { modelFor, type ReferenceModel } from './reference-model.js'
import type { ModelStep } from './reference-rules.js'

/** A state backend the resolver reads through and the harness writes decisions into. */
export interface ScenarioState extends StateReader<StateRecord> {
  apply(decision: Decision<StateRecord>): Promise<void>
}

/**
 * Records handed out by a store may be shared (caches do that): the resolver must copy before
 * changing. Freezing what the Map holds turns a violation into a TypeError at the mutation.
 */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}

export function mapState(): ScenarioState & { readonly map: Map<string, StateRecord> } {
  const map = new Map<string, StateRecord>()
  return {
    map,
    getMany: (keys) => Promise.resolve(keys.map((k) => map.get(k))),
    apply: (decision) => {
      for (const w of decision.writes) {
        if (w.value === null) map.delete(w.key)
        else map.set(w.key, deepFreeze(w.value))
      }
      return Promise.resolve()
    },
  }
}

export interface RealRun {
  readonly resolver: Resolver
  readonly state: ScenarioState
  readonly outputs: OutputRecord[][]
  readonly outcomes: EventOutcome[]
  readonly view: ChangelogView
  readonly retired: Retirements
  /** Invariant violations, each prefixed by the index of the event after which it appeared. */
  readonly violations: string[]
}

export interface RunOptions {
  readonly state?: ScenarioState
  /** Input sequence per event; defaults to the index. */
  readonly sequences?: readonly number[]
  readonly checkInvariants?: boolean
  /** Called after each event's writes are applied, e.g. to compare with the model step by step. */
  readonly afterEach?: (index: number, run: RealRun) => void
}

export async function runReal(
  config: IdentityConfig,
  events: readonly ContactEvent[],
  opts: RunOptions = {},
): Promise<RealRun> {
  const resolver = createResolver(config)
  const state = opts.state ?? mapState()
  const anchors = new AnchorHomes()
  const deleted = new Set<string>()
  const run: RealRun = {
    resolver,
    state,
    outputs: [],
    outcomes: [],
    view: new ChangelogView(),
    retired: new Retirements(),
    violations: [],
  }
  for (const [i, event] of events.entries()) {
    const decision = await resolver.decide(event, { sequence: opts.sequences?.[i] ?? i }, state)
    await state.apply(decision)
    run.outputs.push([...decision.outputs])
    run.outcomes.push(decision.outcome)
    run.view.apply(decision.outputs)
    run.retired.apply(decision.outputs)
    if (opts.checkInvariants) {
      for (const o of decision.outputs)
        if (o.kind === 'deleted') deleted.add(`${o.tenant}/${o.profileId}`)
      for (const v of [
        ...invariantViolations(run.view, run.retired, config),
        ...anchors.check(run.view, deleted),
      ])
        run.violations.push(`after event #${i} (${event.eventId}): ${v}`)
    }
    opts.afterEach?.(i, run)
  }
  return run
}

export function runModel(
  config: IdentityConfig,
  events: readonly ContactEvent[],
): { model: ReferenceModel; steps: ModelStep[] } {
  const model = modelFor(config, realHooks(config))
  const steps = events.map((e, i) => model.apply(e, i))
  return { model, steps }
}
