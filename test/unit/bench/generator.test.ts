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

  it("connects every person's owned identifiers through that person's own events", async () => {
    // The property the accuracy target rests on: if no event ties two of a person's
    // identifiers together (directly or through others they own), no engine can know they
    // belong together. Rebuilt here from the written lines, not from the generator's state.
    const { events, increment, truth } = await generated(5, 300)
    const records = truth
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as TruthRecord)
    const owner = new Map<string, string>()
    for (const r of records)
      if (r.status === 'owned') owner.set(`${r.type}:${r.value}`, r.person as string)
    const normalise = (type: string, value: string): string => {
      if (type === 'email' || type === 'device_id') return value.trim().toLowerCase()
      if (type === 'phone') return parsePhoneNumberFromString(value, 'US')?.number ?? value
      return value.trim()
    }
    const parent = new Map<string, string>()
    const find = (k: string): string => {
      while (parent.get(k) !== k) k = parent.get(k) as string
      return k
    }
    for (const k of owner.keys()) parent.set(k, k)
    for (const line of `${events}${increment}`.split('\n')) {
      let event: { identifiers?: { type: string; value: string }[] }
      try {
        event = JSON.parse(line) as typeof event
      } catch {
        continue
      }
      // Only identifiers the same person owns at the end join: a path through a number that
      // was later recycled to someone else proves nothing about its old owner.
      const byPerson = new Map<string, string>()
      for (const id of event.identifiers ?? []) {
        const k = `${id.type}:${normalise(id.type, id.value)}`
        const person = owner.get(k)
        if (person === undefined) continue
        const first = byPerson.get(person)
        if (first === undefined) byPerson.set(person, k)
        else parent.set(find(k), find(first))
      }
    }
    const componentsOf = new Map<string, Set<string>>()
    for (const [k, person] of owner) {
      const set = componentsOf.get(person) ?? new Set<string>()
      set.add(find(k))
      componentsOf.set(person, set)
    }
    expect(componentsOf.size).toBeGreaterThan(250)
    const split = [...componentsOf].filter(([, roots]) => roots.size > 1).map(([p]) => p)
    expect(split).toEqual([])
    // Persons still have several identifiers to connect (the check is not vacuous).
    const sizes = [...owner.values()].reduce(
      (m, p) => m.set(p, (m.get(p) ?? 0) + 1),
      new Map<string, number>(),
    )
    expect([...sizes.values()].filter((n) => n >= 4).length).toBeGreaterThan(200)
  })
})
