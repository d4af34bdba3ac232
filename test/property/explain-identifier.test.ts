/**
 * Evidence ("why is this identifier in this profile?"): for every identifier a live profile
 * holds, the explanation names the event that attached it (the same one the reference model
 * recorded) and a chain of merges, each one a profile-merged event that really was emitted,
 * leading from the profile it was attached to to the profile holding it now.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { describeScenario } from './describe-scenario.js'
import { fcParams, PROPERTY_TIMEOUT_MS } from './fc-params.js'
import { IDENTIFIER_POOL, scenarioArb } from './generators.js'
import { runModel, runReal } from './harness.js'
import { realHooks } from './real-hooks.js'
import { keyOf } from './reference-rules.js'

describe('identifier explanations', () => {
  it(
    'trace every held identifier to its attaching event and the merges that carried it',
    async () => {
      await fc.assert(
        fc.asyncProperty(scenarioArb({ maxEvents: 30 }), async ({ config, events }) => {
          const real = await runReal(config, events)
          const { model } = runModel(config, events)
          const hooks = realHooks(config)
          const context = describeScenario(config, events)
          const emitted = new Set<string>()
          const merges = new Set<string>()
          for (const o of real.outputs.flat()) {
            if (o.kind === 'profile') emitted.add(`${o.tenant}/${o.profileId}`)
            if (o.kind === 'merged')
              merges.add(`${o.tenant} ${o.merged}>${o.survivor} ${o.eventId}`)
          }
          for (const [tenant, live] of real.view.live) {
            for (const [profileId, snapshot] of live) {
              for (const identifier of snapshot.identifiers) {
                const why = await real.resolver.explainIdentifier(tenant, identifier, real.state)
                const key = keyOf(identifier.type, identifier.value)
                expect(why, `${key}\n${context}`).not.toBeNull()
                expect(why!.identifier).toEqual(identifier)
                expect(why!.profileId, `${key}\n${context}`).toBe(profileId)
                const recorded = model.attachedBy(tenant, key)
                expect(
                  { eventId: why!.attachedBy.eventId, sequence: why!.attachedBy.sequence },
                  `${key}\n${context}`,
                ).toEqual(recorded)
                expect(emitted.has(`${tenant}/${why!.attachedTo}`), context).toBe(true)
                let current = why!.attachedTo
                for (const m of why!.merges) {
                  expect(m.merged, `${key}\n${context}`).toBe(current)
                  expect(merges.has(`${tenant} ${m.merged}>${m.survivor} ${m.by.eventId}`)).toBe(
                    true,
                  )
                  current = m.survivor
                }
                expect(current, `${key}\n${context}`).toBe(profileId)
              }
            }
            // Identifiers nobody holds have no explanation.
            for (const [type, values] of Object.entries(IDENTIFIER_POOL)) {
              for (const value of values) {
                const n = hooks.normalise(tenant, type, value)
                if (n.ok && model.holders(tenant, keyOf(type, n.value)).length > 0) continue
                const why = await real.resolver.explainIdentifier(
                  tenant,
                  { type, value },
                  real.state,
                )
                expect(why, `${type} ${value}\n${context}`).toBeNull()
              }
            }
          }
        }),
        fcParams(300),
      )
    },
    PROPERTY_TIMEOUT_MS,
  )
})
