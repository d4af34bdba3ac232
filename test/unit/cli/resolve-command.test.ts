import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { runResolve, OUTPUT_FILES } from '../../../src/cli/resolve-run.js'
import { loadIdentityConfig } from '../../../src/config/identity-config.js'
import type { IdentityConfig } from '../../../src/core/config.js'

const CONFIG = join(import.meta.dirname, 'fixtures', 'identity.yaml')
const ROOT = join(import.meta.dirname, '..', '..', '..')

let config: IdentityConfig
const dirs: string[] = []

beforeAll(async () => {
  config = await loadIdentityConfig(CONFIG)
})

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
})

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'unifier-cli-test-'))
  dirs.push(dir)
  return dir
}

const event = (eventId: string, source: string, identifiers: Record<string, string>, extra = {}) =>
  JSON.stringify({
    eventId,
    tenant: 'acme',
    source,
    timestamp: `2024-05-0${eventId.slice(-1)}T10:00:00Z`,
    identifiers,
    ...extra,
  })

/** The spec's worked example (steps 1-5), one event per line. */
const WORKED_EXAMPLE = [
  event('e1', 'web', { customer_id: 'C1', email: 'ann@x.com' }),
  event('e2', 'call_center', { phone: '+1 212 555 0100' }, { attributes: { city: 'Lyon' } }),
  event('e3', 'store', { loyalty_card: 'L9' }),
  event('e4', 'web', { customer_id: 'C1', phone: '(212) 555-0100', loyalty_card: 'L9' }),
  event('e5', 'store', { customer_id: 'C7', loyalty_card: 'L9' }),
]

async function readNdjson(dir: string, file: string): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(join(dir, file), 'utf8')
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
}

async function resolveLines(
  lines: readonly string[],
  extra: {
    stateDir?: string
    store?: 'memory' | 'rocksdb'
    profileChangelog?: 'coalesced' | 'every-change'
    flushEvery?: number
  } = {},
) {
  const dir = await tempDir()
  const input = join(dir, 'events.ndjson')
  await writeFile(input, `${lines.join('\n')}\n`)
  const outputDir = join(dir, 'out')
  const summary = await runResolve({
    config,
    input,
    outputDir,
    stateDir: extra.stateDir ?? null,
    store: extra.store ?? 'rocksdb',
    ...(extra.profileChangelog === undefined ? {} : { profileChangelog: extra.profileChangelog }),
    ...(extra.flushEvery === undefined ? {} : { flushEvery: extra.flushEvery }),
  })
  return { summary, outputDir }
}

describe('unifier resolve', () => {
  it('writes every output file and resolves the worked example into merges and a reassignment', async () => {
    const { summary, outputDir } = await resolveLines(WORKED_EXAMPLE)
    expect((await readdir(outputDir)).sort()).toEqual(Object.values(OUTPUT_FILES).sort())

    const profiles = await readNdjson(outputDir, OUTPUT_FILES.profiles)
    const c1 = profiles.find((p) => (p.anchor as { value: string } | null)?.value === 'C1')
    const c7 = profiles.find((p) => (p.anchor as { value: string } | null)?.value === 'C7')
    expect(profiles).toHaveLength(2)
    expect(c1?.identifiers).toEqual([
      { type: 'customer_id', value: 'C1' },
      { type: 'email', value: 'ann@x.com' },
      { type: 'phone', value: '+12125550100' },
    ])
    expect(c1?.channels).toEqual(['call_center', 'store', 'web'])
    expect(c1?.attributes).toEqual({ city: 'Lyon' })
    expect(c7?.identifiers).toEqual([
      { type: 'customer_id', value: 'C7' },
      { type: 'loyalty_card', value: 'L9' },
    ])

    const merges = await readNdjson(outputDir, OUTPUT_FILES.merges)
    expect(merges.map((m) => [m.line, m.survivor, m.eventId])).toEqual([
      [4, c1?.profileId, 'e4'],
      [4, c1?.profileId, 'e4'],
    ])
    expect((c1?.mergedFrom as string[]).slice().sort()).toEqual(merges.map((m) => m.merged).sort())
    const reassignments = await readNdjson(outputDir, OUTPUT_FILES.reassignments)
    expect(reassignments).toEqual([
      expect.objectContaining({
        line: 5,
        link: { type: 'loyalty_card', value: 'L9' },
        from: c1?.profileId,
        to: c7?.profileId,
        eventId: 'e5',
      }),
    ])
    // Tombstones for the two merged-away profiles are in the changelog.
    const tombstones = (await readNdjson(outputDir, OUTPUT_FILES.changelog)).filter(
      (c) => c.profile === null,
    )
    expect(tombstones.map((t) => t.profileId).sort()).toEqual(merges.map((m) => m.merged).sort())
    expect(summary).toMatchObject({
      events: 5,
      applied: 5,
      merges: 2,
      reassignments: 1,
      profiles: 2,
      deadLetters: 0,
    })
  })

  it('changelog.ndjson: the last state per profile per window by default, every change on request', async () => {
    const last = (lines: Array<Record<string, unknown>>) =>
      lines.map((c) => [c.line, c.eventId, c.profileId, c.profile === null])
    const coalesced = await readNdjson(
      (await resolveLines(WORKED_EXAMPLE)).outputDir,
      OUTPUT_FILES.changelog,
    )
    const every = await readNdjson(
      (await resolveLines(WORKED_EXAMPLE, { profileChangelog: 'every-change' })).outputDir,
      OUTPUT_FILES.changelog,
    )
    const [p1, p2, p3] = ['e1', 'e2', 'e3'].map(
      (e) => every.find((c) => c.eventId === e)?.profileId,
    )
    const p7 = every.at(-1)?.profileId
    // every change: one line per snapshot, in input order (the merge's target after its tombstones)
    expect(last(every)).toEqual([
      [1, 'e1', p1, false],
      [2, 'e2', p2, false],
      [3, 'e3', p3, false],
      [4, 'e4', p2, true],
      [4, 'e4', p3, true],
      [4, 'e4', p1, false],
      [5, 'e5', p1, false],
      [5, 'e5', p7, false],
    ])
    // one window: each profile once, its last state, where that state was reached
    expect(last(coalesced)).toEqual([
      [4, 'e4', p2, true],
      [4, 'e4', p3, true],
      [5, 'e5', p1, false],
      [5, 'e5', p7, false],
    ])
    expect(coalesced.at(-2)).toEqual(every.at(-2))
    // a window per event (--flush-every 1) leaves nothing to coalesce
    const perEvent = await readNdjson(
      (await resolveLines(WORKED_EXAMPLE, { flushEvery: 1 })).outputDir,
      OUTPUT_FILES.changelog,
    )
    expect(perEvent).toEqual(every)
  })

  it('dead-letters bad lines with their line numbers and keeps going', async () => {
    const lines = [
      event('e1', 'web', { customer_id: 'C1' }),
      '{"eventId": "broken", ',
      '',
      JSON.stringify({
        eventId: 'e-bad-time',
        tenant: 'acme',
        source: 'web',
        timestamp: 'soon',
        identifiers: [],
      }),
      event('e4', 'web', { email: 'null' }),
      '[]',
      event('e6', 'store', { loyalty_card: 'L1' }),
    ]
    const { summary, outputDir } = await resolveLines(lines)
    const deadLetters = await readNdjson(outputDir, OUTPUT_FILES.deadLetter)
    expect(deadLetters.map((d) => [d.line, d.eventId, d.reason])).toEqual([
      [2, null, 'undecodable'],
      [4, 'e-bad-time', 'invalid-event'],
      [5, 'e4', 'no-identifiers'],
      [6, null, 'invalid-event'],
    ])
    expect(deadLetters[1]?.detail).toMatch(/timestamp/)
    expect(summary).toMatchObject({
      events: 6,
      applied: 2,
      deadLetters: 4,
      badLines: 3,
      profiles: 2,
    })
  })

  it('fails with the name of an output file it cannot write, and leaves no temporary state', async () => {
    const dir = await tempDir()
    const input = join(dir, 'events.ndjson')
    await writeFile(input, `${WORKED_EXAMPLE.join('\n')}\n`)
    await mkdir(join(dir, 'out', OUTPUT_FILES.merges), { recursive: true })
    const before = (await readdir(tmpdir())).filter((name) => name.startsWith('unifier-state-'))
    await expect(
      runResolve({ config, input, outputDir: join(dir, 'out'), stateDir: null }),
    ).rejects.toThrow(/cannot write .*merges\.ndjson/)
    const after = (await readdir(tmpdir())).filter((name) => name.startsWith('unifier-state-'))
    expect(after.filter((name) => !before.includes(name))).toEqual([])
  })

  it('writes profiles sorted by tenant, then profileId', async () => {
    const lines = ['zeta', 'acme', 'mid'].flatMap((tenant) =>
      [1, 2, 3].map((n) =>
        JSON.stringify({
          eventId: `${tenant}-${n}`,
          tenant,
          source: 'web',
          timestamp: n,
          identifiers: { customer_id: `C${n}` },
        }),
      ),
    )
    const { outputDir } = await resolveLines(lines)
    const keys = (await readNdjson(outputDir, OUTPUT_FILES.profiles)).map(
      (p) => `${String(p.tenant)} ${String(p.profileId)}`,
    )
    expect(keys).toHaveLength(9)
    expect(keys).toEqual([...keys].sort())
    expect(keys[0]?.startsWith('acme ')).toBe(true)
  })

  it('continues from the stored state on a second run with --state, skipping events already applied', async () => {
    const stateDir = join(await tempDir(), 'state')
    const first = await resolveLines(WORKED_EXAMPLE.slice(0, 3), { stateDir })
    expect(first.summary.profiles).toBe(3)

    // The second run re-sends event 3 (a redelivery) and brings event 4, which merges across runs.
    const second = await resolveLines(WORKED_EXAMPLE.slice(2, 4), { stateDir })
    expect(second.summary).toMatchObject({
      events: 2,
      applied: 1,
      duplicates: 1,
      merges: 2,
      profiles: 1,
    })
    const [profile] = await readNdjson(second.outputDir, OUTPUT_FILES.profiles)
    expect(profile?.channels).toEqual(['call_center', 'store', 'web'])
    expect(profile?.mergedFrom).toHaveLength(2)
  })

  it('gives the same outputs with the in-memory and the RocksDB store', async () => {
    const lines = [
      ...WORKED_EXAMPLE,
      event('e6', 'web', { email: 'ANN@x.com', device_id: 'd1' }),
      event('e7', 'store', { device_id: 'd1', loyalty_card: 'L2' }),
    ]
    const memory = await resolveLines(lines, { store: 'memory' })
    const rocksdb = await resolveLines(lines, { store: 'rocksdb' })
    for (const file of Object.values(OUTPUT_FILES)) {
      const fromMemory = await readFile(join(memory.outputDir, file), 'utf8')
      expect(await readFile(join(rocksdb.outputDir, file), 'utf8'), file).toBe(fromMemory)
    }
  })
})

describe('unifier resolve (as a command)', () => {
  const run = promisify(execFile)
  const tsx = join(ROOT, 'node_modules', '.bin', 'tsx')
  const main = join(ROOT, 'src', 'cli', 'main.ts')

  it('reads stdin with --input -, writes the files and a summary on stderr', async () => {
    const dir = await tempDir()
    const child = run(tsx, [main, 'resolve', '--config', CONFIG, '--input', '-', '--output', dir])
    child.child.stdin?.end(`${WORKED_EXAMPLE.join('\n')}\n`)
    const { stdout, stderr } = await child
    expect(stdout).toBe('')
    expect(stderr).toMatch(/resolved 5 events/)
    expect(stderr).toMatch(/profiles 2, merges 2, reassignments 1/)
    expect(await readNdjson(dir, OUTPUT_FILES.profiles)).toHaveLength(2)
  })

  it('fails with a message naming the problem when the input file is missing', async () => {
    const dir = await tempDir()
    const failure = run(tsx, [
      main,
      'resolve',
      '--config',
      CONFIG,
      '--input',
      join(dir, 'nope.ndjson'),
      '--output',
      dir,
    ])
    await expect(failure).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/nope\.ndjson/),
    })
  })
})
