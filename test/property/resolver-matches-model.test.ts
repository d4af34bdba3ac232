/**
 * The central property: for random event sequences over a small identifier space, the resolver
 * ends with the same profiles as the naive reference model (partition of identifiers per tenant,
 * anchor, channels, attributes with provenance, timeline), takes the same decision at every
 * event (status, drops, merges, reassignments, refusals, deletions), and never breaks an
 * invariant of the spec along the way.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { firstDivergence } from './compare.js'
import { fcParams } from './fc-params.js'
import { scenarioArb } from './generators.js'
import { runModel, runReal } from './harness.js'
import { modelWorld, realWorld } from './observe.js'

describe('resolver against the reference model', () => {
  it('takes the same decision as the model at every event and ends with the same profiles', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb({ maxEvents: 25 }), async ({ config, events }) => {
        const real = await runReal(config, events, { checkInvariants: true })
        const { model, steps } = runModel(config, events)
        expect(real.violations).toEqual([])
        const divergence = firstDivergence(
          steps,
          real.outcomes,
          real.outputs,
          events.map((e) => e.type),
        )
        expect(divergence).toBeNull()
        expect(realWorld(real.view)).toEqual(modelWorld(model))
      }),
      fcParams(400),
    )
  })

  it('resolves every retired profile id to the live profile that absorbed it', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb({ maxEvents: 25 }), async ({ config, events }) => {
        const real = await runReal(config, events)
        for (const [tenant, byRetired] of real.retired.all()) {
          for (const retiredId of byRetired.keys()) {
            const found = await real.resolver.lookupProfile(tenant, retiredId, real.state)
            const live = real.view.tenant(tenant)
            const survivor = real.retired.final(tenant, retiredId)
            if (live.has(survivor)) {
              expect(found?.profileId).toBe(survivor)
              expect(found?.retired).toBe(true)
              expect(found?.profile).toEqual(live.get(survivor))
            } else {
              // The survivor was forgotten since: its retired ids must not lead anywhere.
              expect(found).toBeNull()
            }
          }
        }
      }),
      fcParams(200),
    )
  })
})
