import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import type { TruthRecord } from '../gen/truth.js'
import { identifierKey, type Truth } from './pairwise.js'

export interface LoadedTruth extends Truth {
  readonly tag: NonNullable<Truth['tag']>
  /**
   * The same identifiers keyed by evidence fragment (person + fragment): the best partition
   * any method could reach from these events (see docs/accuracy.md).
   */
  readonly evidence: Truth
  readonly fragments: number
  readonly persons: number
  readonly shared: number
  readonly changedOwner: number
}

/**
 * Placeholders are matched the way the deny-list matches: trimmed and case-insensitive, so a
 * profile holding `TEST@TEST.COM` or `0000 ` is caught whatever normalisation kept.
 */
const placeholderKey = (type: string, value: string): string =>
  identifierKey(type, value.trim().toLowerCase())

export async function loadTruth(path: string): Promise<LoadedTruth> {
  const owners = new Map<string, string>()
  const fragmentOwners = new Map<string, string>()
  const placeholders = new Set<string>()
  const tags = new Map<string, 'shared' | 'changed-owner'>()
  const persons = new Set<string>()
  let shared = 0
  let changedOwner = 0
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity })
  for await (const line of lines) {
    if (line.trim() === '') continue
    const record = JSON.parse(line) as TruthRecord
    if (record.status === 'placeholder') placeholders.add(placeholderKey(record.type, record.value))
    else if (record.status === 'shared') {
      shared++
      tags.set(identifierKey(record.type, record.value), 'shared')
    } else if (record.person !== null) {
      owners.set(identifierKey(record.type, record.value), record.person)
      fragmentOwners.set(
        identifierKey(record.type, record.value),
        `${record.person}#${record.fragment ?? 0}`,
      )
      persons.add(record.person)
      if (record.previousOwners !== undefined) {
        changedOwner++
        tags.set(identifierKey(record.type, record.value), 'changed-owner')
      }
    }
  }
  const isPlaceholder = (key: string) => {
    const cut = key.indexOf('\u001f')
    return placeholders.has(placeholderKey(key.slice(0, cut), key.slice(cut + 1)))
  }
  const tag = (key: string) => tags.get(key) ?? null
  return {
    owners,
    isPlaceholder,
    tag,
    evidence: { owners: fragmentOwners, isPlaceholder, tag },
    fragments: new Set(fragmentOwners.values()).size,
    persons: persons.size,
    shared,
    changedOwner,
  }
}
