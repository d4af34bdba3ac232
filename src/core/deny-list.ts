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

/** Digits with the usual phone/card separators. */
const SEPARATORS = /[\s\-.()+/]/g

function sameDigitRun(digits: string, from: number): boolean {
  const first = digits.charCodeAt(from)
  for (let i = from + 1; i < digits.length; i++) if (digits.charCodeAt(i) !== first) return false
  // all zeros of any length; any other repeated digit from 4 digits on ("1111", "5555555555")
  return first === 48 || digits.length - from >= 4
}

function allSameDigit(value: string): boolean {
  const digits = value.replace(SEPARATORS, '')
  if (digits.length === 0 || !/^\d+$/.test(digits)) return false
  if (sameDigitRun(digits, 0)) return true
  // an international number: the same test on what follows a 1-3 digit country code
  if (value.trimStart().startsWith('+')) {
    for (let cc = 1; cc <= 3 && digits.length - cc >= 6; cc++)
      if (sameDigitRun(digits, cc)) return true
  }
  return false
}

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
