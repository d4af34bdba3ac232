/**
 * Text hygiene for values that become keys or profile data. Two strings a person reads as the
 * same must not become two keys, and a string a person reads as empty must not become a key:
 * NFC composes what the sender may have decomposed, and control (Cc), format (Cf: zero-width
 * space and joiners, bidi marks, the BOM, soft hyphen) and lone surrogate (Cs) code points are
 * invisible or unencodable, so they are removed before anything compares the value.
 */

// With the u flag a well-formed surrogate pair is one code point, so \p{Cs} only meets lone halves.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}]/gu
const HAS_INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}]/u

/** The value in NFC without control, format or lone surrogate code points. */
export function cleanText(raw: string): string {
  return raw.replace(INVISIBLE, '').normalize('NFC')
}

/** True when `text` holds a control, format or lone surrogate code point (refused in tenants). */
export function hasControlCharacter(text: string): boolean {
  return HAS_INVISIBLE.test(text)
}

export const NOTE_TRUNCATION_MARK = ' [truncated]'

/**
 * A note longer than `max` characters, cut to `max` (the marker included) at a code point
 * boundary; a shorter note unchanged. Truncated, not dropped: the start of a long note is
 * what a reader of the timeline wants, and the marker tells them the rest was cut.
 */
export function capNote(note: string, max: number): string {
  if (note.length <= max) return note
  let cut = Math.max(0, max - NOTE_TRUNCATION_MARK.length)
  const code = note.charCodeAt(cut - 1)
  if (code >= 0xd800 && code <= 0xdbff) cut-- // never split a surrogate pair
  return note.slice(0, cut) + NOTE_TRUNCATION_MARK
}
