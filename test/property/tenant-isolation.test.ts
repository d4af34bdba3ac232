/**
 * Profiles never span tenants: a tenant's outputs do not depend on what other tenants send,
 * even when they reuse the same identifiers and eventIds (the generators make both common).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fcParams, PROPERTY_TIMEOUT_MS } from './fc-params.js'
import { scenarioArb } from './generators.js'
import { runReal } from './harness.js'

describe('tenant isolation', () => {
  it(
    'gives each tenant the outputs it would get alone',
    async () => {
      await fc.assert(
        fc.asyncProperty(scenarioArb({ maxEvents: 30 }), async ({ config, events }) => {
          const together = await runReal(config, events)
          for (const tenant of new Set(events.map((e) => e.tenant))) {
            const mine = events.flatMap((e, i) => (e.tenant === tenant ? [i] : []))
            const alone = await runReal(
              config,
              mine.map((i) => events[i]!),
              { sequences: mine },
            )
            expect(JSON.stringify(alone.outputs)).toBe(
              JSON.stringify(mine.map((i) => together.outputs[i])),
            )
          }
          // Every output names the tenant of the event that caused it.
          together.outputs.forEach((records, i) => {
            for (const r of records) expect(r.tenant).toBe(events[i]!.tenant)
          })
        }),
        fcParams(300),
      )
    },
    PROPERTY_TIMEOUT_MS,
  )
})
