/**
 * The built-in deny-list every tenant gets unless it sets useDefaultDenyList: false. These are
 * the values that broken integrations send for "nobody" and that would otherwise fuse thousands
 * of people into one profile. Matched case-insensitively on the trimmed raw value and on the
 * normalised value, for every identifier type (anchors included: a customer id of "0" is the
 * classic integration bug).
 */

const PLACEHOLDERS = new Set([
  '',
  'null',
  'nil',
  'undefined',
  'nan',
  '[object object]',
  'none',
  'n/a',
  'na',
  '0',
  '-1',
  'unknown',
  'test',
])

const TEST_EMAILS = new Set([
  'test@test.com',
  'test@example.com',
  'a@a.com',
  'abc@abc.com',
  'asdf@asdf.com',
  'email@email.com',
  'none@none.com',
  'null@null.com',
  'no@email.com',
  'noemail@noemail.com',
  'user@domain.com',
  'x@x.com',
])

/** noreply/no-reply/donotreply local parts, and the example.* domains reserved by RFC 2606. */
const TEST_EMAIL_PATTERN =
  /^(?:no-?reply|do-?not-?reply|mailer-daemon)@|@(?:[^@]*\.)?example\.(?:com|org|net)$/

function isSeparator(c: number): boolean {
  // space - . ( ) + /
  return c === 32 || c === 45 || c === 46 || c === 40 || c === 41 || c === 43 || c === 47
}

/**
 * Only digits and the usual phone/card separators, all one digit: all zeros of any length, any
 * other digit repeated 4+ times ("1111", "5555555555"). For an international number (leading
 * +) the same test also runs on what follows a 1-3 digit country code.
 */
function allSameDigit(value: string): boolean {
  let digits: number[] | null = null
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (isSeparator(c)) continue
    if (c < 48 || c > 57) return false
    ;(digits ??= []).push(c)
  }
  if (digits === null) return false
  if (sameRun(digits, 0)) return true
  if (value.trimStart().startsWith('+')) {
    for (let cc = 1; cc <= 3 && digits.length - cc >= 6; cc++) if (sameRun(digits, cc)) return true
  }
  return false
}

function sameRun(digits: readonly number[], from: number): boolean {
  const first = digits[from]
  for (let i = from + 1; i < digits.length; i++) if (digits[i] !== first) return false
  return first === 48 || digits.length - from >= 4
}

/** The exact values of the built-in list (the warehouse baseline filters with the same ones). */
export const DEFAULT_DENIED_VALUES: readonly string[] = [...PLACEHOLDERS, ...TEST_EMAILS]

/** `lowered` must already be trimmed and lowercased. */
export function isDefaultDenied(lowered: string): boolean {
  if (PLACEHOLDERS.has(lowered)) return true
  if (allSameDigit(lowered)) return true
  if (lowered.includes('@')) {
    if (TEST_EMAILS.has(lowered)) return true
    if (TEST_EMAIL_PATTERN.test(lowered)) return true
  }
  return false
}
