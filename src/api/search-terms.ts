/**
 * The words search knows a profile by, and how a query's words meet them. Lowercase; a value
 * is kept whole (an email, a phone, a date) and split on everything that is not a letter or a
 * digit ("ann.smith@x.com" → ann.smith@x.com, ann, smith, x, com). Each word carries a weight
 * class, the best of the fields it came from; a term scores its class, half of it when it only
 * matched as a prefix.
 */
import type { AttributeType } from '../core/config.js'
import type { AttributeValue, Identifier } from '../core/types.js'

/** Weight classes (postings keep one per word and profile). */
export const WEIGHT = {
  /** The whole value of an identifier ("ann@x.com", "c1"). */
  identifierWhole: 4,
  /** The whole value of an attribute ("smith", "1990-04-12", "120"). */
  attributeWhole: 3,
  /** A part of a value ("ann" of ann.smith@x.com, "1990" of 1990-04-12). */
  part: 2,
} as const

/** Words longer than this are not indexed (nor whole values longer than MAX_WHOLE). */
export const MAX_WORD = 64
const MAX_WHOLE = 128
/** At most this many parts of one value are indexed. */
const MAX_PARTS = 32

const SPLIT = /[^\p{L}\p{N}]+/u

/** The alphanumeric parts of lowercased text. */
export function partsOf(lower: string): string[] {
  return lower.split(SPLIT).filter((p) => p.length > 0 && p.length <= MAX_WORD)
}

function addValue(text: string, whole: number, add: (word: string, weight: number) => void): void {
  const lower = text.trim().toLowerCase()
  if (lower.length === 0) return
  if (lower.length <= MAX_WHOLE) add(lower, whole)
  const parts = partsOf(lower)
  for (let i = 0; i < parts.length && i < MAX_PARTS; i++) add(parts[i] as string, WEIGHT.part)
}

/**
 * The text search sees of an attribute value, or null (booleans are filtered, not searched;
 * a date-time is searched by its date).
 */
export function searchableText(
  type: AttributeType | undefined,
  value: AttributeValue,
): string | null {
  if (typeof value === 'boolean') return null
  if (typeof value === 'number') return String(value)
  return type === 'datetime' ? value.slice(0, 10) : value
}

/** Every word of a profile with its weight class. */
export function profileWords(
  identifiers: readonly Identifier[],
  attributes: Readonly<Record<string, AttributeValue>>,
  attributeTypes: ReadonlyMap<string, AttributeType>,
): Map<string, number> {
  const words = new Map<string, number>()
  const add = (word: string, weight: number): void => {
    if ((words.get(word) ?? 0) < weight) words.set(word, weight)
  }
  for (const id of identifiers) addValue(id.value, WEIGHT.identifierWhole, add)
  for (const name in attributes) {
    const text = searchableText(attributeTypes.get(name), attributes[name] as AttributeValue)
    if (text !== null) addValue(text, WEIGHT.attributeWhole, add)
  }
  return words
}

/** One word of q: what it matches exactly, and as a prefix when it is the last word. */
export interface QueryTerm {
  /** The word as typed, lowercased. */
  readonly word: string
  /** Its alphanumeric parts: a word with several ("o'brien") also matches profiles having all. */
  readonly parts: readonly string[]
  /** Matches words that start with it too (the last word of q, two characters or more). */
  readonly prefix: boolean
}

/** q's words (split on white space), lowercased; duplicates once. */
export function queryTerms(q: string): QueryTerm[] {
  const words = [
    ...new Set(
      q
        .trim()
        .toLowerCase()
        .split(/\s+/u)
        .filter((w) => w.length > 0),
    ),
  ]
  return words.map((word, i) => ({
    word,
    parts: partsOf(word),
    prefix: i === words.length - 1 && word.length >= 2,
  }))
}

/**
 * Whether a field's text matches a term (for `matched`): the whole value or one of its parts
 * is the word, starts with it (a prefix term), or is one of a several-part word's parts.
 */
export function textMatches(text: string, term: QueryTerm): boolean {
  const lower = text.trim().toLowerCase()
  const parts = partsOf(lower)
  if (lower === term.word || parts.includes(term.word)) return true
  if (term.prefix && (lower.startsWith(term.word) || parts.some((p) => p.startsWith(term.word))))
    return true
  return splitsFurther(term) && term.parts.every((p) => parts.includes(p))
}

/** The word has alphanumeric parts other than itself ("smith," → smith; "o'brien" → o, brien). */
export function splitsFurther(term: QueryTerm): boolean {
  return term.parts.length > 1 || (term.parts.length === 1 && term.parts[0] !== term.word)
}
