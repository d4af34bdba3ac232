/**
 * Spec rule 10: replaying the same input from offset 0 into empty state produces the same
 * outputs byte for byte: profile ids and every record come from the input alone.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fcParams, PROPERTY_TIMEOUT_MS } from './fc-params.js'
import { scenarioArb } from './generators.js'
import { runReal } from './harness.js'

describe('replay into empty state', () => {
  it(
    'produces byte-identical output records and outcomes',
    async () => {
      await fc.assert(
        fc.asyncProperty(scenarioArb({ maxEvents: 30 }), async ({ config, events }) => {
          const first = await runReal(config, events)
          const second = await runReal(config, structuredClone(events))
          expect(JSON.stringify(second.outputs)).toBe(JSON.stringify(first.outputs))
          expect(JSON.stringify(second.outcomes)).toBe(JSON.stringify(first.outcomes))
        }),
        fcParams(300),
      )
    },
    PROPERTY_TIMEOUT_MS,
  )
})
