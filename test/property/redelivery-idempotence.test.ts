/**
 * Spec rule 9: an eventId already applied for the tenant changes nothing and emits nothing.
 * A sequence with redeliveries spliced in (at-least-once delivery: a producer retry, a consumer
 * restarting before its commit) must decide every original event exactly as without them.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DEFAULT_IDEMPOTENCE_WINDOW, type IdentityConfig } from '../../src/core/config.js'
import type { ContactEvent } from '../../src/core/types.js'
import { fcParams, PROPERTY_TIMEOUT_MS } from './fc-params.js'
import { scenarioArb } from './generators.js'
import { mapState, runReal } from './harness.js'

interface Spliced {
  readonly events: ContactEvent[]
  readonly sequences: number[]
  /** For each event of the spliced sequence: its index in the original, or -1 for a redelivery. */
  readonly origin: number[]
}

/** Originals keep sequence 2i; a redelivery of event j placed after event k gets 2k+1. */
function splice(events: readonly ContactEvent[], redeliveries: Array<[number, number]>): Spliced {
  const after = new Map<number, number[]>()
  for (const [src, gap] of redeliveries) {
    const j = src % events.length
    const k = Math.min(events.length - 1, j + gap)
    after.set(k, [...(after.get(k) ?? []), j])
  }
  const out: Spliced = { events: [], sequences: [], origin: [] }
  events.forEach((e, i) => {
    out.events.push(e)
    out.sequences.push(2 * i)
    out.origin.push(i)
    for (const j of after.get(i) ?? []) {
      out.events.push(structuredClone(events[j]!))
      out.sequences.push(2 * i + 1)
      out.origin.push(-1)
    }
  })
  return out
}

function withWindow(config: IdentityConfig, idempotenceWindow: number): IdentityConfig {
  return {
    defaults: config.defaults === null ? null : { ...config.defaults, idempotenceWindow },
    tenants: Object.fromEntries(
      Object.entries(config.tenants).map(([name, t]) => [name, { ...t, idempotenceWindow }]),
    ),
  }
}

describe('redelivery', () => {
  it(
    'processing an event twice equals processing it once',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          scenarioArb({ maxEvents: 20 }),
          fc.array(fc.tuple(fc.nat(), fc.nat({ max: 5 })), { minLength: 1, maxLength: 4 }),
          async ({ config: generated, events }, redeliveries) => {
            // Redeliveries here stay inside the window: what falls out of it is the model's to judge.
            const config = withWindow(generated, DEFAULT_IDEMPOTENCE_WINDOW)
            const spliced = splice(events, redeliveries)
            const onceState = mapState()
            const twiceState = mapState()
            const once = await runReal(config, events, {
              state: onceState,
              sequences: events.map((_, i) => 2 * i),
            })
            const twice = await runReal(config, spliced.events, {
              state: twiceState,
              sequences: spliced.sequences,
            })
            const originals = spliced.origin.flatMap((o, i) => (o === -1 ? [] : [i]))
            expect(JSON.stringify(originals.map((i) => twice.outputs[i]))).toBe(
              JSON.stringify(once.outputs),
            )
            expect(JSON.stringify(originals.map((i) => twice.outcomes[i]))).toBe(
              JSON.stringify(once.outcomes),
            )
            spliced.origin.forEach((o, i) => {
              if (o !== -1) return
              const outcome = twice.outcomes[i]!
              // A redelivery of an applied event is a no-op; a dead-lettered one may be
              // dead-lettered again, but it never touches a profile.
              if (outcome.status === 'duplicate') expect(twice.outputs[i]).toEqual([])
              else {
                expect(outcome.status).toBe('dead-lettered')
                expect(twice.outputs[i]!.every((r) => r.kind === 'dead-letter')).toBe(true)
              }
            })
            expect([...twiceState.map].sort()).toEqual([...onceState.map].sort())
          },
        ),
        fcParams(400),
      )
    },
    PROPERTY_TIMEOUT_MS,
  )
})
