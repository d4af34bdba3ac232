import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { OUTPUT_FILES, runResolve } from '../../../src/cli/resolve-run.js'
import { loadIdentityConfig } from '../../../src/config/identity-config.js'

const ROOT = join(import.meta.dirname, '..', '..', '..')
const CONFIG = join(import.meta.dirname, 'fixtures', 'identity.yaml')
const REPORT_RSS = join(import.meta.dirname, 'fixtures', 'report-max-rss.cjs')
const MAIN = join(ROOT, 'src', 'cli', 'main.ts')
const MiB = 1024 * 1024

const dirs: string[] = []
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
})
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'unifier-hostile-'))
  dirs.push(dir)
  return dir
}

const good = (eventId: string) =>
  `${JSON.stringify({
    eventId,
    tenant: 'acme',
    source: 'web',
    timestamp: 1_714_550_400_000,
    identifiers: { email: `${eventId}@x.com` },
  })}\n`

async function readNdjson(dir: string, file: string): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(join(dir, file), 'utf8')
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
}

// Issue 11, bounded reading: a line of any length costs at most the cap in memory.
describe('unifier resolve on over-long lines (a child process fed through stdin)', () => {
  it('dead-letters a 600 MiB and a 50 MB line with their line numbers, resolves the rest, peak RSS under 300 MiB', async () => {
    const out = await tempDir()
    const child = spawn(
      process.execPath,
      [
        '--require',
        REPORT_RSS,
        '--import',
        'tsx',
        MAIN,
        'resolve',
        '--config',
        CONFIG,
        '--input',
        '-',
        '--output',
        out,
      ],
      { cwd: ROOT, stdio: ['pipe', 'ignore', 'pipe'] },
    )
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text))
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    const send = async (bytes: Buffer | string) => {
      if (!child.stdin.write(bytes))
        await new Promise((resolve) => child.stdin.once('drain', resolve))
    }
    // Written in large chunks of one buffer: cheap to produce, never on disk.
    const block = Buffer.alloc(8 * MiB, 'a')
    await send(good('g1'))
    for (let sent = 0; sent < 600 * MiB; sent += block.length) await send(block)
    await send('\n')
    const fifty = 50_000_000
    for (let sent = 0; sent < fifty; sent += block.length)
      await send(block.subarray(0, Math.min(block.length, fifty - sent)))
    await send('\r\n')
    await send(good('g4'))
    await send(good('g5'))
    child.stdin.end()

    expect(await exited, stderr).toBe(0)
    const deadLetters = await readNdjson(out, OUTPUT_FILES.deadLetter)
    expect(deadLetters).toEqual([
      expect.objectContaining({
        line: 2,
        reason: 'line-too-long',
        detail: expect.stringContaining(`${600 * MiB} bytes`),
      }),
      expect.objectContaining({
        line: 3,
        reason: 'line-too-long',
        detail: expect.stringContaining(`${fifty} bytes`),
      }),
    ])
    const changelog = await readNdjson(out, OUTPUT_FILES.changelog)
    expect(changelog.map((r) => [r.line, r.eventId])).toEqual([
      [1, 'g1'],
      [4, 'g4'],
      [5, 'g5'],
    ])
    const maxRssKib = Number(/max-rss-kib (\d+)/.exec(stderr)?.[1])
    expect(maxRssKib).toBeGreaterThan(0)
    expect(maxRssKib / 1024).toBeLessThan(300)
  }, 120_000)
})

describe('unifier resolve on a live stdin', () => {
  it('writes the outputs of the events read so far while the input stays open', async () => {
    const out = await tempDir()
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', MAIN, 'resolve', '--config', CONFIG, '--input', '-', '--output', out],
      { cwd: ROOT, stdio: ['pipe', 'ignore', 'pipe'] },
    )
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    child.stdin.write(`${good('g1')}{not json\n${good('g3')}`)
    // No end of input and far fewer events than a window: the outputs must come anyway.
    const deadline = Date.now() + 20_000
    let changelog: Array<Record<string, unknown>> = []
    let deadLetters: Array<Record<string, unknown>> = []
    while (Date.now() < deadline && (changelog.length < 2 || deadLetters.length < 1)) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      changelog = await readNdjson(out, OUTPUT_FILES.changelog).catch(() => [])
      deadLetters = await readNdjson(out, OUTPUT_FILES.deadLetter).catch(() => [])
    }
    expect(child.exitCode).toBeNull()
    expect(changelog.map((r) => r.line)).toEqual([1, 3])
    expect(deadLetters).toEqual([expect.objectContaining({ line: 2, reason: 'undecodable' })])
    child.stdin.end(good('g4'))
    expect(await exited).toBe(0)
    expect((await readNdjson(out, OUTPUT_FILES.changelog)).map((r) => r.line)).toEqual([1, 3, 4])
  }, 60_000)
})

describe('unifier resolve when a run fails', () => {
  it('keeps the outputs already written when an output file cannot be written', async () => {
    const dir = await tempDir()
    const input = join(dir, 'events.ndjson')
    await writeFile(input, `${good('g1')}{not json\n${good('g2')}`)
    const outputDir = join(dir, 'out')
    // A directory where the merges file should be: that writer fails, the others must not lose data.
    await mkdir(join(outputDir, OUTPUT_FILES.merges), { recursive: true })
    const config = await loadIdentityConfig(CONFIG)
    await expect(
      runResolve({ config, input, outputDir, stateDir: null, store: 'memory' }),
    ).rejects.toThrow(/merges\.ndjson/)
    expect((await readNdjson(outputDir, OUTPUT_FILES.changelog)).map((r) => r.eventId)).toEqual([
      'g1',
      'g2',
    ])
    expect(await readNdjson(outputDir, OUTPUT_FILES.deadLetter)).toEqual([
      expect.objectContaining({ line: 2, reason: 'undecodable' }),
    ])
  })
})
