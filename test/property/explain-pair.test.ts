/**
 * Pair explanations ("why are these two together, or not?") agree with the changelog on random
 * scenarios: `together` exactly when one live profile holds both; when together, the steps
 * attach both identifiers with their recorded events and their merges (each one really emitted)
 * lead both to one id; when apart, the reason's claim holds of the two live profiles.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { explainPair } from '../../src/core/explain-pair.js'
import { compileTenants } from '../../src/core/tenant-rules.js'
import type { Identifier } from '../../src/core/types.js'
import { describeScenario } from './describe-scenario.js'
import { fcParams, PROPERTY_TIMEOUT_MS } from './fc-params.js'
import { scenarioArb } from './generators.js'
import { runReal } from './harness.js'

const seen = new Set<string>()

describe('pair explanations', () => {
  it(
    'say together exactly when one profile holds both, with steps that join them or a reason that holds',
    async () => {
      const params = fcParams<unknown>(150)
      await fc.assert(
        fc.asyncProperty(scenarioArb({ maxEvents: 30 }), async ({ config, events }) => {
          const real = await runReal(config, events)
          const tenants = compileTenants(config)
          const context = describeScenario(config, events)
          const merges = new Set<string>()
          for (const o of real.outputs.flat())
            if (o.kind === 'merged')
              merges.add(`${o.tenant} ${o.merged}>${o.survivor} ${o.eventId}`)
          for (const [tenant, live] of real.view.live) {
            const t = tenants.get(tenant)
            if (t === null) continue
            const held: Array<{ id: Identifier; profileId: string }> = []
            for (const [profileId, snapshot] of live)
              for (const id of snapshot.identifiers) held.push({ id, profileId })
            // every pair among the first 12 held identifiers (bounded work per scenario)
            const some = held.slice(0, 12)
            for (const a of some)
              for (const b of some) {
                const r = await explainPair(t, tenant, a.id, b.id, real.state)
                const what = `${a.id.type}:${a.id.value} / ${b.id.type}:${b.id.value}\n${context}`
                if (a.profileId === b.profileId) {
                  if (r.kind !== 'together') throw new Error(`expected together: ${what}`)
                  expect(r.profileId, what).toBe(a.profileId)
                  const attached = r.steps.filter((s) => s.action === 'attached')
                  expect(attached.map((s) => s.eventId).sort(), what).toEqual(
                    a.id === b.id
                      ? [r.a.attachedBy.eventId]
                      : [r.a.attachedBy.eventId, r.b.attachedBy.eventId].sort(),
                  )
                  const next = new Map<string, string>()
                  for (const s of r.steps) {
                    if (s.action !== 'merged') continue
                    expect(
                      merges.has(`${tenant} ${s.merged}>${s.profileId} ${s.eventId}`),
                      what,
                    ).toBe(true)
                    next.set(s.merged as string, s.profileId)
                  }
                  const end = (id: string) => {
                    let current = id
                    for (let i = 0; next.has(current) && i <= next.size; i++)
                      current = next.get(current) as string
                    return current
                  }
                  expect(end(r.a.attachedTo), what).toBe(end(r.b.attachedTo))
                  continue
                }
                if (r.kind !== 'apart') throw new Error(`expected apart: ${what}`)
                seen.add(r.reason.kind)
                const pa = live.get(a.profileId)
                const pb = live.get(b.profileId)
                switch (r.reason.kind) {
                  case 'reassigned': {
                    const moved = r.reason.identifier === a.id ? r.a : r.b
                    const other = moved === r.a ? r.b : r.a
                    expect(r.reason.by, what).toEqual(moved.attachedBy)
                    expect([r.reason.to, r.reason.from], what).toEqual([
                      moved.profileId,
                      other.profileId,
                    ])
                    break
                  }
                  case 'different-anchors':
                    expect(r.reason.anchors, what).toEqual([pa?.anchor, pb?.anchor])
                    break
                  case 'limit': {
                    const type = r.reason.identifierType
                    const count = (p: typeof pa) =>
                      p?.identifiers.filter((i) => i.type === type).length ?? 0
                    expect(r.reason.held, what).toEqual([count(pa), count(pb)])
                    expect(count(pa) + count(pb), what).toBeGreaterThan(r.reason.limit)
                    break
                  }
                  case 'not-connected':
                    expect(pa?.anchor !== null && pb?.anchor !== null, what).toBe(false)
                    break
                }
              }
          }
        }),
        params,
      )
      // the scenarios reach every kind of reason (else the checks above would prove little);
      // not asserted when replaying one counterexample or running a handful
      if ((params.numRuns ?? 0) >= 100 && params.path === undefined)
        expect([...seen].sort()).toEqual([
          'different-anchors',
          'limit',
          'not-connected',
          'reassigned',
        ])
    },
    PROPERTY_TIMEOUT_MS,
  )
})
