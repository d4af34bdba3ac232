/**
 * Pairwise precision, recall and F1 of a partition of identifiers against the truth, from
 * contingency counts (pairs are never enumerated: a profile of n identifiers holds n(n-1)/2).
 *
 * Scored identifiers are those the truth gives an owner. Shared (household) and placeholder
 * values are left out: there is no right profile for them. A scored identifier no profile holds
 * counts as a profile of its own (it was lost, which costs recall).
 */

export interface Truth {
  /** Identifier key (type U+001F normalised value) → the person who owns it at the end. */
  readonly owners: ReadonlyMap<string, string>
  /** Keys of values that belong to no one: a profile holding one is marked. */
  readonly isPlaceholder: (key: string) => boolean
  /**
   * Why an unscored or scored identifier may join people: 'shared' (a household landline),
   * 'changed-owner' (a recycled phone, a passed-on card). Used to explain over-merges.
   */
  readonly tag?: (key: string) => 'shared' | 'changed-owner' | null
}

/** What an over-merged profile holds that can explain it, checked in this order. */
export type OverMergeCause = 'placeholder' | 'shared' | 'changed-owner' | 'other'

export interface PartitionScore {
  readonly precision: number
  readonly recall: number
  readonly f1: number
  /** Pairs of scored identifiers the partition puts together. */
  readonly predictedPairs: number
  /** Pairs of scored identifiers the truth puts together. */
  readonly truePairs: number
  /** Pairs put together that belong together. */
  readonly correctPairs: number
  readonly profiles: number
  /** Profiles holding scored identifiers of more than one person. */
  readonly overMerged: number
  /** Over-merged profiles that also hold a placeholder value. */
  readonly overMergedWithPlaceholder: number
  /** Over-merged profiles by the first explanation they hold (placeholder, shared, ...). */
  readonly overMergedBy: Readonly<Record<OverMergeCause, number>>
  /** Profiles holding any placeholder value. */
  readonly withPlaceholder: number
  /** Persons whose scored identifiers are spread over more than one profile. */
  readonly splitPersons: number
  readonly largestProfile: { readonly identifiers: number; readonly persons: number }
  /** Scored identifiers no profile holds. */
  readonly missing: number
}

export const pairs = (n: number): number => (n < 2 ? 0 : (n * (n - 1)) / 2)

export const identifierKey = (type: string, value: string): string => `${type}\u001f${value}`

/** Scores profiles given as lists of identifier keys; streams them, keeping per-person counts. */
export function scorePartition(
  truth: Truth,
  profiles: Iterable<readonly string[]>,
): PartitionScore {
  let predictedPairs = 0
  let correctPairs = 0
  let count = 0
  let overMerged = 0
  let overMergedWithPlaceholder = 0
  let withPlaceholder = 0
  const overMergedBy: Record<OverMergeCause, number> = {
    placeholder: 0,
    shared: 0,
    'changed-owner': 0,
    other: 0,
  }
  let largest = { identifiers: 0, persons: 0 }
  const seen = new Set<string>()
  const profilesPerPerson = new Map<string, number>()
  for (const profile of profiles) {
    count++
    const perPerson = new Map<string, number>()
    let scored = 0
    let placeholder = false
    const tags = new Set<string>()
    for (const key of profile) {
      const tag = truth.tag?.(key)
      if (tag !== undefined && tag !== null) tags.add(tag)
      const person = truth.owners.get(key)
      if (person === undefined) {
        if (truth.isPlaceholder(key)) placeholder = true
        continue
      }
      if (seen.has(key)) continue
      seen.add(key)
      scored++
      perPerson.set(person, (perPerson.get(person) ?? 0) + 1)
    }
    predictedPairs += pairs(scored)
    for (const [person, n] of perPerson) {
      correctPairs += pairs(n)
      profilesPerPerson.set(person, (profilesPerPerson.get(person) ?? 0) + 1)
    }
    if (placeholder) withPlaceholder++
    if (perPerson.size > 1) {
      overMerged++
      if (placeholder) overMergedWithPlaceholder++
      const cause: OverMergeCause = placeholder
        ? 'placeholder'
        : tags.has('shared')
          ? 'shared'
          : tags.has('changed-owner')
            ? 'changed-owner'
            : 'other'
      overMergedBy[cause]++
    }
    if (
      perPerson.size > largest.persons ||
      (perPerson.size === largest.persons && profile.length > largest.identifiers)
    ) {
      largest = { identifiers: profile.length, persons: perPerson.size }
    }
  }
  const perPersonTruth = new Map<string, number>()
  let missing = 0
  for (const [key, person] of truth.owners) {
    perPersonTruth.set(person, (perPersonTruth.get(person) ?? 0) + 1)
    if (!seen.has(key)) missing++
  }
  let truePairs = 0
  for (const n of perPersonTruth.values()) truePairs += pairs(n)
  let splitPersons = 0
  for (const n of profilesPerPerson.values()) if (n > 1) splitPersons++
  const precision = predictedPairs === 0 ? 1 : correctPairs / predictedPairs
  const recall = truePairs === 0 ? 1 : correctPairs / truePairs
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall)
  return {
    precision,
    recall,
    f1,
    predictedPairs,
    truePairs,
    correctPairs,
    profiles: count,
    overMerged,
    overMergedWithPlaceholder,
    overMergedBy,
    withPlaceholder,
    splitPersons,
    largestProfile: largest,
    missing,
  }
}
