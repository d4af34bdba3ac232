import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parsePhoneNumberFromString } from 'libphonenumber-js'
import { afterAll, describe, expect, it } from 'vitest'
import { FILES, generate } from '../../../bench/gen/generate.js'
import type { TruthRecord } from '../../../bench/gen/truth.js'

const dirs: string[] = []
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))))

async function generated(seed: number, persons = 120) {
  const outDir = await mkdtemp(join(tmpdir(), 'gen-test-'))
  dirs.push(outDir)
  const summary = await generate({ persons, seed, outDir, cohortSize: 40 })
  const read = (file: string) => readFile(join(outDir, file), 'utf8')
  return {
    outDir,
    summary,
    events: await read(FILES.events),
    increment: await read(FILES.increment),
    truth: await read(FILES.truth),
  }
}

describe('synthetic population generator', () => {
  it('writes the same bytes for the same seed, and different bytes for another seed', async () => {
    const [first, again, other] = await Promise.all([generated(7), generated(7), generated(8)])
    expect(again.events).toBe(first.events)
    expect(again.increment).toBe(first.increment)
    expect(again.truth).toBe(first.truth)
    expect(other.events).not.toBe(first.events)
    expect(other.truth).not.toBe(first.truth)
  })

  it('writes a truth consistent with the events it wrote', async () => {
    const { events, increment, truth, summary } = await generated(3, 400)
    const lines = `${events}${increment}`.split('\n').filter((line) => line !== '')
    expect(lines.length).toBe(summary.events + summary.incrementEvents)
    const sent = lines.join('\n').toLowerCase()
    const records = truth
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as TruthRecord)
    const owned = records.filter((record) => record.status === 'owned')
    expect(owned.length).toBeGreaterThan(1000)
    for (const record of owned) {
      expect(record.person).toMatch(/^P\d{8}$/)
      if (record.type === 'customer_id') expect(record.value.slice(1)).toBe(record.person?.slice(1))
      if (record.type === 'email' || record.type === 'device_id') {
        expect(sent).toContain(record.value.toLowerCase())
      }
      if (record.type === 'phone') {
        expect(parsePhoneNumberFromString(record.value)?.isValid()).toBe(true)
      }
      expect(record.previousOwners ?? []).not.toContain(record.person)
    }
    const keys = records.map((record) => `${record.type}:${record.value}`)
    expect(new Set(keys).size).toBe(keys.length)
    const shared = records.filter((record) => record.status === 'shared')
    expect(shared.length).toBeGreaterThan(0)
    for (const record of shared) {
      expect(record.person).toBeNull()
      expect(record.sharedBy?.length).toBeGreaterThanOrEqual(2)
    }
    expect(owned.some((record) => record.previousOwners !== undefined)).toBe(true)
    const placeholders = new Set(
      records.filter((r) => r.status === 'placeholder').map((r) => r.value.trim().toLowerCase()),
    )
    for (const record of owned) expect(placeholders.has(record.value.toLowerCase())).toBe(false)
  })
})
