import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_START } from '../../../src/cli/sample-defaults.js'
import { loadIdentityConfig } from '../../../src/config/identity-config.js'
import { formatEmbeddedReport } from '../../../src/embedded/report.js'
import { LocalLog } from '../../../src/embedded/local-log.js'
import { EmbeddedService, runEmbedded } from '../../../src/embedded/run-embedded.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'unifier-embedded-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const run = async () =>
  runEmbedded({
    config: await loadIdentityConfig(DEFAULT_START.config),
    input: DEFAULT_START.input,
    stateDir: dir,
    logger: pino({ level: 'silent' }),
  })

describe('embedded mode over the bundled sample', () => {
  it('resolves the sample: the worked example’s two merges and one reassignment among them', async () => {
    const report = await run()
    expect(report.processed).toBe(report.inputRecords)
    expect(report.outputs['profile-merged'].map((m) => m.eventId)).toEqual(['web-0002', 'web-0002'])
    expect(report.outputs['link-reassigned']).toHaveLength(1)
    const ann = report.profiles.find((p) => p.anchor?.value === 'C1')
    expect(ann?.identifiers.map((i) => i.type)).toEqual(['customer_id', 'email', 'phone'])
    expect(ann?.mergedFrom).toHaveLength(2)
    expect(formatEmbeddedReport(report)).toContain('Merges this run (2)')
  })

  it('keeps the two people who both sent the placeholder test@test.com apart', async () => {
    const report = await run()
    const dmitri = report.profiles.find((p) => p.attributes.first_name === 'Dmitri')
    const eve = report.profiles.find((p) => p.attributes.first_name === 'Eve')
    expect(dmitri).toBeDefined()
    expect(eve).toBeDefined()
    expect(dmitri?.profileId).not.toBe(eve?.profileId)
    const all = report.profiles.flatMap((p) => p.identifiers.map((i) => i.value))
    expect(all).not.toContain('test@test.com')
  })

  it('continues where it stopped on restart: nothing is imported or processed twice', async () => {
    const first = await run()
    const second = await run()
    expect(second.imported).toBe(0)
    expect(second.processed).toBe(0)
    expect(second.inputRecords).toBe(first.inputRecords)
    expect(second.outputs['profile-merged']).toEqual([])
    expect(second.profiles).toEqual(first.profiles)
  })

  it('streams its input: a line over 1 MiB is dead-lettered line-too-long, the lines around it resolve', async () => {
    const sample = (await readFile(DEFAULT_START.input, 'utf8')).split('\n').filter((l) => l !== '')
    const huge = JSON.stringify({
      eventId: 'huge',
      tenant: 'acme',
      source: 'web',
      timestamp: 0,
      identifiers: { email: 'huge@x.com' },
      attributes: { first_name: 'x'.repeat(2 * 1024 * 1024) },
    })
    const input = join(dir, 'with-a-long-line.ndjson')
    await writeFile(input, [sample[0], huge, ...sample.slice(1)].join('\r\n') + '\r\n')
    const report = await runEmbedded({
      config: await loadIdentityConfig(DEFAULT_START.config),
      input,
      stateDir: join(dir, 'state'),
      logger: pino({ level: 'silent' }),
    })
    expect(report.imported).toBe(sample.length)
    const tooLong = report.outputs['dead-letter'].filter((d) => d.reason === 'line-too-long')
    expect(tooLong).toHaveLength(1)
    expect(String(tooLong[0]?.detail)).toContain('line 2 ')
    expect(report.outputs['profile-merged'].map((m) => m.eventId)).toEqual(['web-0002', 'web-0002'])
    expect(report.profiles.flatMap((p) => p.identifiers.map((i) => i.value))).not.toContain(
      'huge@x.com',
    )
  })
})

describe('EmbeddedService.append (HTTP ingest on the embedded default)', () => {
  it('takes concurrent appends, each whole and contiguous in the log, in the order they were made', async () => {
    const service = await EmbeddedService.start({
      config: await loadIdentityConfig(DEFAULT_START.config),
      input: null,
      stateDir: dir,
      logger: pino({ level: 'silent' }),
    })
    const line = (request: number, i: number) =>
      JSON.stringify({
        eventId: `r${request}-${i}`,
        tenant: 'acme',
        source: 'web',
        timestamp: 1_700_000_000_000,
        identifiers: { customer_id: `C${request}` },
      })
    let ends: bigint[]
    try {
      ends = await Promise.all(
        Array.from({ length: 20 }, (_, r) => service.append([0, 1, 2].map((i) => line(r, i)))),
      )
      await service.caughtUp(ends.reduce((a, b) => (a > b ? a : b)))
    } finally {
      await service.stop()
    }
    const log = await LocalLog.open(join(dir, 'log'))
    try {
      const records = await log.read('contact-events', 0, 0n, 1_000)
      const ids = records.map((r) => (JSON.parse(String(r.value)) as { eventId: string }).eventId)
      expect(ids).toEqual(
        Array.from({ length: 20 }, (_, r) => [0, 1, 2].map((i) => `r${r}-${i}`)).flat(),
      )
      // each append resolves with an end that covers its own lines
      ends.forEach((end, r) => expect(end).toBeGreaterThanOrEqual(BigInt(3 * (r + 1))))
    } finally {
      await log.close()
    }
  })
})

describe('embedded mode: the profile changelog', () => {
  const changelogOf = async (profileChangelog: 'coalesced' | 'every-change') => {
    const stateDir = join(dir, profileChangelog)
    await runEmbedded({
      config: await loadIdentityConfig(DEFAULT_START.config),
      input: DEFAULT_START.input,
      stateDir,
      logger: pino({ level: 'silent' }),
      profileChangelog,
    })
    const log = await LocalLog.open(join(stateDir, 'log'))
    try {
      const records = await log.read('profile-changelog', 0, 0n, 1_000_000)
      return records.map((r) => [r.key?.toString() ?? '', r.value?.toString() ?? null] as const)
    } finally {
      await log.close()
    }
  }

  it('coalesced: the sample (one transaction) leaves each profile once, at its last state; every-change: each step', async () => {
    const coalesced = await changelogOf('coalesced')
    const every = await changelogOf('every-change')
    const lastPerKey = new Map<string, string | null>()
    for (const [key, value] of every) {
      lastPerKey.delete(key)
      lastPerKey.set(key, value)
    }
    expect(every.length).toBeGreaterThan(lastPerKey.size)
    expect(coalesced).toEqual([...lastPerKey])
  })
})
