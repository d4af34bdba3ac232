/**
 * The two traffic mixes every throughput benchmark reports side by side (docs/benchmarks.md,
 * "Workloads"):
 *  - realistic: the generator's population (bench/gen) with follow-ups, most events from people
 *    already known (purchases, attribute changes, notes), a few percent adding an identifier or
 *    merging;
 *  - churn: test/support/synthetic-stream.ts, the worst case: every event names identifiers not
 *    seen before or joins two profiles (about 40 % merge).
 * And what a mix is made of, measured by running it through the core: the share of events that
 * add an identifier, merge, change only attributes, or add a note.
 */
import type { IdentityConfig } from '../../src/core/config.js'
import { parseKey } from '../../src/core/keys.js'
import { createResolver, type StateRecord } from '../../src/core/resolver.js'
import type { Decision, StateReader } from '../../src/core/state.js'
import type { ContactEvent, InputPosition } from '../../src/core/types.js'
import { syntheticStream } from '../../test/support/synthetic-stream.js'
import { generatedEvents } from '../gen/generate.js'

export const WORKLOADS = ['realistic', 'churn'] as const
export type Workload = (typeof WORKLOADS)[number]

export interface WorkloadEvent {
  readonly event: ContactEvent
  readonly position: InputPosition
}

/**
 * About `events` events of one tenant (churn: `events` identifier values, which give about as
 * many events), lazily; the same arguments give the same events.
 */
export function* workloadEvents(
  workload: Workload,
  options: { readonly tenant: string; readonly events: number; readonly seed: number },
): Generator<WorkloadEvent> {
  if (workload === 'churn') {
    yield* syntheticStream({
      tenant: options.tenant,
      identifiers: options.events,
      seed: options.seed,
    })
    return
  }
  let sequence = 0
  for (const event of generatedEvents(options)) yield { event, position: { sequence: ++sequence } }
}

/** What one event did, as the mix counts it (the first that applies, in this order). */
export type EventEffect =
  'merge' | 'new-identifier' | 'note' | 'attribute-only' | 'no-change' | 'duplicate' | 'dead-letter'

export type Mix = Record<EventEffect, number> & { events: number }

const EFFECTS: readonly EventEffect[] = [
  'merge',
  'new-identifier',
  'note',
  'attribute-only',
  'no-change',
  'duplicate',
  'dead-letter',
]

/**
 * merge: the event joined profiles; new-identifier: it wrote a link (an identifier new to the
 * state, a new profile, or a reassigned one); note: a note event on a known person;
 * attribute-only: known identifiers with attributes; no-change: known identifiers, nothing else.
 */
export function eventEffect(event: ContactEvent, decision: Decision<StateRecord>): EventEffect {
  const { status } = decision.outcome
  if (status === 'dead-lettered') return 'dead-letter'
  if (status === 'duplicate') return 'duplicate'
  if (decision.outputs.some((o) => o.kind === 'merged')) return 'merge'
  if (decision.writes.some((w) => w.value !== null && parseKey(w.key)?.kind === 'link'))
    return 'new-identifier'
  if (event.type === 'note') return 'note'
  return Object.keys(event.attributes).length > 0 ? 'attribute-only' : 'no-change'
}

export class MixCounter {
  private readonly counts: Mix = {
    events: 0,
    merge: 0,
    'new-identifier': 0,
    note: 0,
    'attribute-only': 0,
    'no-change': 0,
    duplicate: 0,
    'dead-letter': 0,
  }

  add(event: ContactEvent, decision: Decision<StateRecord>): void {
    this.counts.events++
    this.counts[eventEffect(event, decision)]++
  }

  get mix(): Mix {
    return { ...this.counts }
  }
}

/** Shares in percent, one decimal. */
export function mixShares(mix: Mix): Record<EventEffect, number> {
  const out = {} as Record<EventEffect, number>
  for (const effect of EFFECTS)
    out[effect] = mix.events === 0 ? 0 : Math.round((mix[effect] / mix.events) * 1000) / 10
  return out
}

/** "12.3 % new identifiers, 1.2 % merges, 60.1 % attribute-only, 20.0 % notes, …". */
export function formatMix(mix: Mix): string {
  const s = mixShares(mix)
  return (
    `${mix.events} events: ${s['new-identifier']} % new identifiers, ${s.merge} % merges, ` +
    `${s['attribute-only']} % attribute-only, ${s.note} % notes, ${s['no-change']} % known ids only, ` +
    `${s.duplicate} % duplicates, ${s['dead-letter']} % dead letters`
  )
}

/** The mix of a stream, measured through the core on a plain Map (no store, no runtime). */
export async function measureMix(
  config: IdentityConfig,
  events: Iterable<WorkloadEvent>,
): Promise<Mix> {
  const resolver = createResolver(config)
  const state = new Map<string, StateRecord>()
  const reader: StateReader<StateRecord> = {
    getMany: (keys) => Promise.resolve(keys.map((key) => state.get(key))),
    getManySync: (keys) => keys.map((key) => state.get(key)),
  }
  const counter = new MixCounter()
  for (const { event, position } of events) {
    const decision = await resolver.decide(event, position, reader)
    counter.add(event, decision)
    for (const { key, value } of decision.writes) {
      if (value === null) state.delete(key)
      else state.set(key, value)
    }
  }
  return counter.mix
}
