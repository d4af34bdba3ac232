import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { formatStartReport } from '../../../src/cli/start-report.js'
import { DEFAULT_START, runStart } from '../../../src/cli/start-run.js'
import { loadIdentityConfig } from '../../../src/config/identity-config.js'

const dirs: string[] = []
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
})

describe('unifier start (embedded default on the bundled sample)', () => {
  it('resolves the sample, then continues from its state on restart instead of starting over', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'unifier-start-test-'))
    dirs.push(stateDir)
    const config = await loadIdentityConfig(DEFAULT_START.config)
    const options = { config, input: DEFAULT_START.input, stateDir }

    const first = await runStart(options)
    expect(first.applied).toBeGreaterThan(0)
    expect(first.merges.length).toBeGreaterThanOrEqual(2)
    expect(first.reassignments).toHaveLength(1)
    // The placeholder email is dropped, so the two people who sent it stay apart.
    expect(
      first.dropped.some((d) => d.identifier.value === 'test@test.com' && d.reason === 'blocked'),
    ).toBe(true)
    const withDmitri = first.profiles.find((p) => p.attributes.first_name === 'Dmitri')
    const withEve = first.profiles.find((p) => p.attributes.first_name === 'Eve')
    expect(withDmitri?.profileId).toBeDefined()
    expect(withDmitri?.profileId).not.toBe(withEve?.profileId)
    // The duplicate delivery in the sample is recognised within the first run.
    expect(first.duplicates).toBe(1)

    const second = await runStart(options)
    expect(second.applied).toBe(0)
    expect(second.duplicates).toBe(first.applied + first.duplicates)
    expect(second.merges).toEqual([])
    expect(second.profiles).toEqual(first.profiles)

    const text = formatStartReport(first)
    expect(text).toContain(`Profiles (${first.profiles.length})`)
    expect(text).toContain('Reassignments this run (1)')
  })
})
