import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { scorePartition } from '../../../bench/accuracy/pairwise.js'
import { profileKeys, resolveFile, ResolverSession } from '../../../bench/accuracy/run-resolver.js'
import { loadTruth, type LoadedTruth } from '../../../bench/accuracy/truth-file.js'
import { variantConfig, type VariantName } from '../../../bench/accuracy/variants.js'
import { FILES, generate } from '../../../bench/gen/generate.js'
import { loadIdentityConfig } from '../../../src/config/identity-config.js'
import { MemoryStore } from '../../../src/state/memory-store.js'

let dir: string
let truth: LoadedTruth

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'accuracy-test-'))
  // Enough people that placeholders are typed by several of them.
  await generate({ persons: 200, seed: 11, outDir: dir, cohortSize: 100 })
  truth = await loadTruth(join(dir, FILES.truth))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

async function resolved(variant: VariantName) {
  const config = variantConfig(await loadIdentityConfig('samples/identity.yaml'), variant)
  const store = new MemoryStore()
  const session = await ResolverSession.open(config, store, { prefetch: false })
  await resolveFile(session, join(dir, FILES.events))
  await resolveFile(session, join(dir, FILES.increment))
  return profileKeys(store)
}

describe('accuracy of Profile Unifier on generated data', () => {
  it('keeps placeholders out of every profile with the shipped config', async () => {
    const score = scorePartition(truth, await resolved('default'))
    expect(score.withPlaceholder).toBe(0)
    expect(score.overMergedWithPlaceholder).toBe(0)
    expect(score.recall).toBeGreaterThan(0.98)
    expect(score.precision).toBeGreaterThan(0.95)
  })

  it('lets placeholders fuse people once the deny-list and limits are off', async () => {
    const score = scorePartition(truth, await resolved('no-limits-no-deny-list'))
    expect(score.withPlaceholder).toBeGreaterThan(0)
    expect(score.overMergedWithPlaceholder).toBeGreaterThan(0)
  })
})
