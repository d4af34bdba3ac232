/**
 * The core's phone normaliser (src/core/phone.ts re-implements the library's parsing steps with
 * compiled patterns) gives exactly the verdict of the plain libphonenumber-js call it replaced,
 * for any text and default country: the same E.164 number, or invalid. Any difference would put
 * a number on a different profile (or drop it) depending only on which code read it.
 */
import fc from 'fast-check'
import {
  getCountries,
  getCountryCallingCode,
  parsePhoneNumberFromString,
  type CountryCode,
} from 'libphonenumber-js'
import examples from 'libphonenumber-js/mobile/examples'
import { describe, expect, it } from 'vitest'
import { createPhoneNormalizer } from '../../src/core/phone.js'
import { fcParams, PROPERTY_TIMEOUT_MS } from './fc-params.js'

/**
 * The normaliser as it was before src/core/phone.ts: the reference. One change: the library's
 * `;phone-context=` check keeps state between calls (its verdict alternates), so the reference
 * starts that check afresh each time, as the core's normaliser does; without it the reference
 * is not a function of its input.
 */
function reference(raw: string, defaultCountry: string | null): string | null {
  parsePhoneNumberFromString(';phone-context=+')
  const country = (defaultCountry ?? undefined) as CountryCode | undefined
  const parsed = parsePhoneNumberFromString(raw, country)
  return parsed !== undefined && parsed.isValid() ? parsed.number : null
}

const normalizers = new Map<string | null, (raw: string) => string | null>()
function normalize(raw: string, defaultCountry: string | null): string | null {
  let n = normalizers.get(defaultCountry)
  if (n === undefined) {
    n = createPhoneNormalizer(defaultCountry)
    normalizers.set(defaultCountry, n)
  }
  return n(raw)
}

const COUNTRIES = getCountries()

// The tenants' usual defaults, then countries whose parsing has special rules: shared calling
// codes with leading digits (JE, IM, VI, KZ, AX, CX), national prefixes that are also leading
// digits (RU, BY), prefix transform rules and carrier codes (AR, BR, CO, MX), none (null).
const defaultCountryArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('GB', 'US', 'FR', 'DE', null) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'JE',
      'IM',
      'VI',
      'CA',
      'KZ',
      'RU',
      'BY',
      'AR',
      'BR',
      'CO',
      'MX',
      'AX',
      'FI',
      'CX',
      'AU',
      'IT',
      'IN',
      'CN',
      'JP',
      'NZ',
      'SG',
      'CH',
      'NL',
      'AT',
      'IE',
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom(...COUNTRIES) },
)

// Mostly the separators people type; now and then a character the fast path must leave to the
// library (extensions, letters, other dashes and spaces, a second "+", other scripts' digits).
const separatorArb = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('', ' ', '-', '.', '(', ')', '/', ' - ', '  ', ') ') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '+',
      'x',
      ' ext. ',
      '#',
      ',',
      ';',
      '\t',
      '\u00a0',
      '\u2013',
      'a',
      '*',
      '~',
      '[',
      '٣',
      '７',
      'tel:',
      ';phone-context=+44',
      '\n',
    ),
  },
)

const prefixArb = fc.constantFrom(
  '',
  '',
  '',
  '+',
  '+',
  '00',
  '011',
  '0',
  '+0',
  '(0)',
  '+44 (0)',
  '8',
  '810',
  '1',
  '44',
  '0044',
  '001',
  ' ',
  '(+',
  '+ ',
  'tel:+',
)

/** Digits in runs joined by separators, behind a prefix. */
const punctuated = (digits: string) =>
  fc.array(separatorArb, { minLength: digits.length, maxLength: digits.length }).map((seps) =>
    digits
      .split('')
      .map((d, i) => d + (seps[i] ?? ''))
      .join(''),
  )

const digitsArb = fc.stringMatching(/^[0-9]{1,18}$/)

const randomInputArb = fc
  .tuple(prefixArb, digitsArb.chain(punctuated), fc.constantFrom('', '', ' ', ')', '#', ' x12'))
  .map(([prefix, body, suffix]) => `${prefix}${body}${suffix}`)

/** A country's example mobile number, maybe off by a digit, written as people write it. */
const countryNumberArb = fc
  .record({
    country: fc.constantFrom(...COUNTRIES.filter((c) => c in examples)),
    edit: fc.constantFrom('none', 'none', 'replace', 'delete', 'insert', 'truncate'),
    at: fc.nat(),
    digit: fc.integer({ min: 0, max: 9 }),
    form: fc.constantFrom('e164', 'international', 'idd', 'no-plus', 'national', 'prefixed'),
    nationalPrefix: fc.constantFrom('0', '8', '1', '06', '01'),
  })
  .chain(({ country, edit, at, digit, form, nationalPrefix }) => {
    let nsn = (examples as Record<string, string>)[country] as string
    const i = at % (nsn.length + 1)
    if (edit === 'replace') nsn = nsn.slice(0, i) + String(digit) + nsn.slice(i + 1)
    if (edit === 'delete') nsn = nsn.slice(0, i) + nsn.slice(i + 1)
    if (edit === 'insert') nsn = nsn.slice(0, i) + String(digit) + nsn.slice(i)
    if (edit === 'truncate') nsn = nsn.slice(0, Math.max(1, i))
    const cc = getCountryCallingCode(country as CountryCode)
    const written = {
      e164: fc.constant(`+${cc}${nsn}`),
      international: punctuated(nsn).map((n) => `+${cc} ${n}`),
      idd: punctuated(nsn).map((n) => `00 ${cc} ${n}`),
      'no-plus': fc.constant(`${cc}${nsn}`),
      national: punctuated(nsn),
      prefixed: punctuated(nsn).map((n) => `${nationalPrefix}${n}`),
    }[form]
    return fc.tuple(written, fc.oneof(defaultCountryArb, fc.constant<string | null>(country)))
  })

describe('phone normalisation matches libphonenumber-js', () => {
  it(
    'random digits with random punctuation and prefixes',
    () => {
      fc.assert(
        fc.property(randomInputArb, defaultCountryArb, (raw, country) => {
          expect(normalize(raw, country)).toBe(reference(raw, country))
        }),
        fcParams(6000),
      )
    },
    PROPERTY_TIMEOUT_MS,
  )

  it(
    "numbers from every country's example range, edited and written in several forms",
    () => {
      fc.assert(
        fc.property(countryNumberArb, ([raw, country]) => {
          expect(normalize(raw, country)).toBe(reference(raw, country))
        }),
        fcParams(6000),
      )
    },
    PROPERTY_TIMEOUT_MS,
  )

  it(
    'any text at all',
    () => {
      fc.assert(
        fc.property(fc.string({ maxLength: 40 }), defaultCountryArb, (raw, country) => {
          expect(normalize(raw, country)).toBe(reference(raw, country))
        }),
        fcParams(3000),
      )
    },
    PROPERTY_TIMEOUT_MS,
  )
})
