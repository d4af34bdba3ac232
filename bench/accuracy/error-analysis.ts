/**
 * Which identifiers the errors are made of, so a rule can be blamed (docs/accuracy.md):
 * - an intruder sits in a profile whose majority is another person (over-merge);
 * - a stray is a person's identifier outside the profile holding most of theirs (split).
 * Counted by identifier type and by what the identifier is (owned throughout, or changed owner).
 */
import type { Truth } from './pairwise.js'

export interface ErrorAnalysis {
  /** Identifiers in a profile whose majority is another person, by type. */
  readonly intrudersByType: Readonly<Record<string, number>>
  /** Of those, identifiers that changed owner during the period (recycled, passed on). */
  readonly intrudersChangedOwner: number
  /** Identifiers away from their person's main profile, by type. */
  readonly straysByType: Readonly<Record<string, number>>
  /** Strays alone in a profile of their own person (a split, nothing wrong joined). */
  readonly straysOnTheirOwn: number
  /** Strays inside a profile whose majority is another person (also counted as intruders). */
  readonly straysWithOthers: number
}

const typeOf = (key: string) => key.slice(0, key.indexOf('\u001f'))

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1
}

export function analyseErrors(
  truth: Truth,
  profiles: readonly (readonly string[])[],
): ErrorAnalysis {
  // Pass 1: each person's main profile (the one holding most of their identifiers).
  const best = new Map<string, { profile: number; count: number }>()
  const majority: (string | null)[] = []
  profiles.forEach((profile, index) => {
    const perPerson = new Map<string, number>()
    for (const key of profile) {
      const person = truth.owners.get(key)
      if (person !== undefined) perPerson.set(person, (perPerson.get(person) ?? 0) + 1)
    }
    let top: string | null = null
    let topCount = 0
    for (const [person, n] of perPerson) {
      if (n > topCount || (n === topCount && top !== null && person < top)) {
        top = person
        topCount = n
      }
      const current = best.get(person)
      if (current === undefined || n > current.count) best.set(person, { profile: index, count: n })
    }
    majority.push(top)
  })
  const intrudersByType: Record<string, number> = {}
  const straysByType: Record<string, number> = {}
  let intrudersChangedOwner = 0
  let straysOnTheirOwn = 0
  let straysWithOthers = 0
  profiles.forEach((profile, index) => {
    for (const key of profile) {
      const person = truth.owners.get(key)
      if (person === undefined) continue
      const intruder = majority[index] !== person
      if (intruder) {
        bump(intrudersByType, typeOf(key))
        if (truth.tag?.(key) === 'changed-owner') intrudersChangedOwner++
      }
      if (best.get(person)?.profile !== index) {
        bump(straysByType, typeOf(key))
        if (intruder) straysWithOthers++
        else straysOnTheirOwn++
      }
    }
  })
  return {
    intrudersByType,
    intrudersChangedOwner,
    straysByType,
    straysOnTheirOwn,
    straysWithOthers,
  }
}
