import { describe, expect, it } from 'vitest'
import { loadIdentityConfig } from '../../../src/config/identity-config.js'
import { measureMix, mixShares, workloadEvents } from '../../../bench/lib/workload.js'

const config = await loadIdentityConfig('samples/identity.yaml')

describe('benchmark workloads', () => {
  it('gives the same events for the same seed', () => {
    const a = [...workloadEvents('realistic', { tenant: 't', events: 2_000, seed: 3 })]
    const b = [...workloadEvents('realistic', { tenant: 't', events: 2_000, seed: 3 })]
    expect(a).toHaveLength(2_000)
    expect(b).toEqual(a)
  })

  it('realistic: mostly known people (attributes, notes), a few percent identity changes', async () => {
    const s = mixShares(
      await measureMix(
        config,
        workloadEvents('realistic', { tenant: 't', events: 20_000, seed: 1 }),
      ),
    )
    expect(s['new-identifier'] + s.merge).toBeLessThan(10)
    expect(s.merge).toBeGreaterThan(0)
    expect(s['attribute-only']).toBeGreaterThan(40)
    expect(s.note).toBeGreaterThan(10)
    expect(s['dead-letter']).toBe(0)
  })

  it('churn: every event adds an identifier or merges', async () => {
    const s = mixShares(
      await measureMix(config, workloadEvents('churn', { tenant: 't', events: 4_000, seed: 1 })),
    )
    expect(s['new-identifier'] + s.merge).toBeGreaterThan(95)
    expect(s.merge).toBeGreaterThan(20)
  })
})
