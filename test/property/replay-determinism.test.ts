/**
 * Spec rule 10: replaying the same input from offset 0 into empty state produces the same
 * outputs byte for byte: profile ids and every record come from the input alone.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { profileIdFor } from '../../src/core/resolver.js'
import { fcParams, PROPERTY_TIMEOUT_MS } from './fc-params.js'
import { scenarioArb } from './generators.js'
import { runReal } from './harness.js'

describe('replay into empty state', () => {
  it(
    'produces byte-identical output records and outcomes, with ids derived from the creating event',
    async () => {
      await fc.assert(
        fc.asyncProperty(scenarioArb({ maxEvents: 30 }), async ({ config, events }) => {
          const first = await runReal(config, events)
          const second = await runReal(config, structuredClone(events))
          expect(JSON.stringify(second.outputs)).toBe(JSON.stringify(first.outputs))
          expect(JSON.stringify(second.outcomes)).toBe(JSON.stringify(first.outcomes))
          // Each profile id is derived from the tenant and the event that created it.
          const known = new Set<string>()
          first.outputs.forEach((records, i) => {
            const event = events[i]!
            for (const r of records) {
              if (r.kind !== 'profile' || known.has(`${r.tenant}/${r.profileId}`)) continue
              known.add(`${r.tenant}/${r.profileId}`)
              const candidates = [0, 1, 2, 3].map((k) =>
                profileIdFor(event.tenant, event.eventId, k),
              )
              expect(candidates, `new profile ${r.profileId} at event #${i}`).toContain(r.profileId)
            }
          })
        }),
        fcParams(300),
      )
    },
    PROPERTY_TIMEOUT_MS,
  )
})
