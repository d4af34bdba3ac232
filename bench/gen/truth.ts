/**
 * What the right answer is, from who actually used each identifier (docs/accuracy.md):
 * an identifier belongs to the last person who used it; a household landline belongs to no one
 * person (it is "shared" and left out of scoring); placeholders belong to no one.
 */
import type { DraftEvent } from './events.js'
import type { Cohort } from './population.js'

export type TruthStatus = 'owned' | 'shared' | 'placeholder'

export interface TruthRecord {
  readonly type: string
  /** Normalised as the resolver stores it. */
  readonly value: string
  /** The owner at the end; null for shared and placeholder values. */
  readonly person: string | null
  readonly status: TruthStatus
  /** Earlier owners, oldest first: the identifier legitimately changed hands. */
  readonly previousOwners?: readonly string[]
  /** The household members of a shared landline. */
  readonly sharedBy?: readonly string[]
  /**
   * Which part of the owner's identifiers this one is provably linked to: the connected
   * component of the owner's own events (identifiers seen together in one event). A person
   * whose device never appeared with anything else has two fragments; no method can join them.
   */
  readonly fragment?: number
}

interface Use {
  person: string
  time: number
}

export const truthKey = (type: string, value: string): string => `${type}\u001f${value}`

/** The truth of one cohort's identifiers, from every event of the cohort (all files). */
export function cohortTruth(cohort: Cohort, events: readonly DraftEvent[]): TruthRecord[] {
  const landlines = new Map<string, Set<string>>()
  for (const person of cohort.persons) {
    if (person.landline === null) continue
    const members = landlines.get(person.landline.value) ?? new Set<string>()
    members.add(person.id)
    landlines.set(person.landline.value, members)
  }
  const uses = new Map<string, { type: string; value: string; uses: Use[] }>()
  for (const event of events) {
    for (const id of event.uses) {
      const key = truthKey(id.type, id.value)
      let entry = uses.get(key)
      if (entry === undefined) {
        entry = { type: id.type, value: id.value, uses: [] }
        uses.set(key, entry)
      }
      entry.uses.push({ person: event.person.id, time: event.time })
    }
  }
  const fragments = evidenceFragments(events, landlines)
  const records: TruthRecord[] = []
  for (const { type, value, uses: list } of uses.values()) {
    const members = type === 'phone' ? landlines.get(value) : undefined
    if (members !== undefined) {
      records.push({ type, value, person: null, status: 'shared', sharedBy: [...members].sort() })
      continue
    }
    list.sort((a, b) => a.time - b.time)
    const owner = (list[list.length - 1] as Use).person
    const earlier = [...new Set(list.map((use) => use.person))].filter((p) => p !== owner)
    const fragment = fragments.get(`${owner}\u001e${truthKey(type, value)}`) ?? 0
    records.push(
      earlier.length === 0
        ? { type, value, person: owner, status: 'owned', fragment }
        : { type, value, person: owner, status: 'owned', previousOwners: earlier, fragment },
    )
  }
  return records.sort((a, b) =>
    a.type === b.type ? (a.value < b.value ? -1 : 1) : a.type < b.type ? -1 : 1,
  )
}

/**
 * Per person, the connected components of identifiers used together in that person's events,
 * numbered 0, 1, ... in order of their smallest key. Shared landlines are not evidence of one
 * person, so they connect nothing.
 */
function evidenceFragments(
  events: readonly DraftEvent[],
  landlines: ReadonlyMap<string, unknown>,
): Map<string, number> {
  const parent = new Map<string, string>()
  const find = (node: string): string => {
    let root = node
    while (parent.get(root) !== root) root = parent.get(root) as string
    parent.set(node, root)
    return root
  }
  for (const event of events) {
    let first: string | null = null
    for (const id of event.uses) {
      if (id.type === 'phone' && landlines.has(id.value)) continue
      const node = `${event.person.id}\u001e${truthKey(id.type, id.value)}`
      if (!parent.has(node)) parent.set(node, node)
      if (first === null) first = node
      else {
        const a = find(first)
        const b = find(node)
        if (a !== b) parent.set(a < b ? b : a, a < b ? a : b)
      }
    }
  }
  const numbers = new Map<string, number>()
  const perPerson = new Map<string, number>()
  const result = new Map<string, number>()
  for (const node of [...parent.keys()].sort()) {
    const root = find(node)
    let number = numbers.get(root)
    if (number === undefined) {
      const person = node.slice(0, node.indexOf('\u001e'))
      number = perPerson.get(person) ?? 0
      perPerson.set(person, number + 1)
      numbers.set(root, number)
    }
    result.set(node, number)
  }
  return result
}
