/**
 * The central property: for random event sequences over a small identifier space, the resolver
 * takes the same decision as the naive reference model at every event (status, drops, merges,
 * reassignments, refusals, deletions), what a consumer of the changelog sees after every event
 * is the model's set of profiles (partition of identifiers per tenant, anchor, channels,
 * attributes with provenance, timeline, createdAt), and no invariant of the spec breaks.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { firstDivergence } from './compare.js'
import { fcParams, PROPERTY_TIMEOUT_MS } from './fc-params.js'
import { IDENTIFIER_POOL, scenarioArb } from './generators.js'
import { runModel, runReal } from './harness.js'
import { modelFor } from './reference-model.js'
import type { ModelStep } from './reference-rules.js'
import type { IdentityConfig } from '../../src/core/config.js'
import type { ContactEvent, ProfileSnapshot } from '../../src/core/types.js'
import { realHooks } from './real-hooks.js'
import { canonicalModel, canonicalSnapshot, modelWorld, realWorld } from './observe.js'
import { keyOf } from './reference-rules.js'
import { describeScenario } from './describe-scenario.js'

/**
 * A lookup reads state, which is the changelog's last snapshot plus what changed invisibly since
 * (spec, "Outputs": a newer provenance of an unchanged value emits no snapshot): everything
 * else must be equal, and the lookup can only be newer.
 */
function expectChangelogShows(
  found: ProfileSnapshot | undefined,
  snapshot: ProfileSnapshot | undefined,
  context: string,
): void {
  expect(found, context).toBeDefined()
  expect(snapshot, context).toBeDefined()
  if (found === undefined || snapshot === undefined) return
  const { provenance: _p, updatedAt: _u, ...shown } = snapshot
  const { provenance: _fp, updatedAt, ...looked } = found
  expect(looked, context).toEqual(shown)
  expect(updatedAt, context).toBeGreaterThanOrEqual(snapshot.updatedAt)
  expect(Object.keys(found.provenance).sort(), context).toEqual(
    Object.keys(snapshot.provenance).sort(),
  )
}

async function matchesModelStepByStep({
  config,
  events,
}: {
  config: IdentityConfig
  events: ContactEvent[]
}): Promise<void> {
  const model = modelFor(config, realHooks(config))
  const steps: ModelStep[] = []
  const worldDiffs: string[] = []
  const real = await runReal(config, events, {
    checkInvariants: true,
    afterEach: (i, run) => {
      steps.push(model.apply(events[i]!, i))
      if (worldDiffs.length > 0) return
      const want = JSON.stringify(modelWorld(model))
      const got = JSON.stringify(realWorld(run.view))
      if (want !== got) worldDiffs.push(`after event #${i}:\n model ${want}\n  real ${got}`)
    },
  })
  const context = describeScenario(config, events)
  expect(real.violations, context).toEqual([])
  const divergence = firstDivergence(
    steps,
    real.outcomes,
    real.outputs,
    events.map((e) => e.type),
  )
  expect(divergence, context).toBeNull()
  expect(worldDiffs, context).toEqual([])
}

describe('resolver against the reference model', () => {
  it(
    'takes the same decision as the model at every event and shows the same profiles after it',
    async () => {
      await fc.assert(
        fc.asyncProperty(scenarioArb({ maxEvents: 25 }), matchesModelStepByStep),
        fcParams(2000),
      )
    },
    PROPERTY_TIMEOUT_MS,
  )

  it(
    'agrees with the model on long sequences with loose limits (large merged profiles)',
    async () => {
      await fc.assert(
        fc.asyncProperty(scenarioArb({ maxEvents: 70, looseLimits: true }), matchesModelStepByStep),
        fcParams(400),
      )
    },
    PROPERTY_TIMEOUT_MS,
  )

  it(
    'agrees with the model through a long simulation of one busy tenant',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          scenarioArb({ maxEvents: 300, minEvents: 200, tenants: 1 }),
          matchesModelStepByStep,
        ),
        fcParams(30),
      )
    },
    PROPERTY_TIMEOUT_MS,
  )

  it(
    'answers lookups as the changelog says: retired ids lead to the survivor, identifiers to their holder',
    async () => {
      await fc.assert(
        fc.asyncProperty(scenarioArb({ maxEvents: 25 }), async ({ config, events }) => {
          const real = await runReal(config, events)
          const { model } = runModel(config, events)
          const context = describeScenario(config, events)
          for (const [tenant, live] of real.view.live) {
            for (const [id, snapshot] of live) {
              const found = await real.resolver.lookupProfile(tenant, id, real.state)
              expectChangelogShows(found?.profile, snapshot, context)
              expect(found?.retired, context).toBe(false)
              // what the lookup adds to the changelog (the newest provenance) is the model's
              const first = found?.profile.identifiers[0]
              const holder = first && model.holders(tenant, keyOf(first.type, first.value))[0]
              if (found && holder)
                expect(canonicalSnapshot(found.profile), context).toEqual(canonicalModel(holder))
            }
            for (const retiredId of real.retired.tenant(tenant).keys()) {
              const found = await real.resolver.lookupProfile(tenant, retiredId, real.state)
              const survivor = real.retired.final(tenant, retiredId)
              expect(found?.profileId, context).toBe(survivor)
              expect(found?.retired, context).toBe(true)
              expectChangelogShows(found?.profile, live.get(survivor), context)
            }
            // Merged into a profile that was forgotten since: the id must not lead anywhere.
            for (const retiredId of real.retired.forgotten.get(tenant) ?? []) {
              if (live.has(retiredId) || real.retired.tenant(tenant).has(retiredId)) continue
              const found = await real.resolver.lookupProfile(tenant, retiredId, real.state)
              expect(found, context).toBeNull()
            }
            // Every raw identifier of the pool resolves to the profile the model says holds it.
            for (const [type, values] of Object.entries(IDENTIFIER_POOL)) {
              for (const value of values) {
                const found = await real.resolver.lookupIdentifier(
                  tenant,
                  { type, value },
                  real.state,
                )
                const norm = realHooks(config).normalise(tenant, type, value)
                const holders = norm.ok ? model.holders(tenant, `${type}:${norm.value}`) : []
                expect(holders.length, context).toBeLessThanOrEqual(1)
                if (holders.length === 0) expect(found, `${type} ${value}\n${context}`).toBeNull()
                else
                  expect(
                    found?.profile.identifiers.some(
                      (i) => `${i.type}:${i.value}` === `${type}:${norm.ok && norm.value}`,
                    ),
                    `${type} ${value}\n${context}`,
                  ).toBe(true)
              }
            }
          }
        }),
        fcParams(400),
      )
    },
    PROPERTY_TIMEOUT_MS,
  )
})
