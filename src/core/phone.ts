/**
 * Phone normalisation (spec rule 1): the E.164 form of a number libphonenumber-js (default `min`
 * metadata) parses and calls valid, else null. The verdict is, by contract, exactly that of
 * `parsePhoneNumberFromString(raw, defaultCountry)` followed by `isValid()`
 * (test/property/phone-normalisation.test.ts compares the two).
 *
 * Why not call the library on every new value: its helpers build a `new RegExp` from the
 * metadata's pattern text on every check, and one number runs the same country search up to
 * three times (while stripping a national prefix, while picking the country among those sharing a
 * calling code, and again in `isValid()`). That was most of the resolver core's CPU on unseen
 * phones. So plain inputs (ASCII digits, one leading `+`, the usual separators) take the same
 * steps as the library's `parse()` (v2) and `isValid()`, in the same order, on the same metadata
 * (read through the library's `Metadata` class), with each numbering plan's regular expressions
 * compiled once. Anything else (letters, extensions, `tel:` URIs, other scripts' digits, 250+
 * characters, fewer than 3 digits) goes to the library itself.
 *
 * One deliberate difference: a number with an RFC 3966 `;phone-context=` gets the verdict the
 * library gives in a fresh process every time, where the library alone alternates (see
 * resetPhoneContextCheck).
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js'
import { Metadata, isSupportedCountry, type MetadataJson } from 'libphonenumber-js/core'
import minMetadata from 'libphonenumber-js/min/metadata'

/** The untyped part of the library's `Metadata` class that parsing reads (see its metadata.js). */
interface PlanReader {
  callingCode(): string
  nationalNumberPattern(): string
  possibleLengths(): number[] | undefined
  nationalPrefixForParsing(): string | undefined
  nationalPrefixTransformRule(): string | undefined
  leadingDigits(): string | undefined
  IDDPrefix(): string | undefined
  hasTypes(): boolean
  type(name: string): { pattern(): string; possibleLengths(): number[] | undefined } | undefined
}
interface MetadataReader {
  selectNumberingPlan(countryOrCallingCode: string): void
  numberingPlan?: PlanReader
  hasCallingCode(callingCode: string): boolean | undefined
  getCountryCodesForCallingCode(callingCode: string): string[] | undefined
}

/** One numbering plan's rules with its regular expressions compiled. */
interface Plan {
  readonly callingCode: string
  readonly nationalNumber: RegExp
  readonly possibleLengths: readonly number[] | undefined
  /** The number-type patterns (fixed line, mobile, ...); empty when the metadata has none. */
  readonly types: readonly {
    readonly pattern: RegExp
    readonly lengths: readonly number[] | undefined
  }[]
  readonly hasTypes: boolean
  /** Searched, not anchored, as the library does (a match must start at 0). */
  readonly leadingDigits: RegExp | undefined
  readonly nationalPrefix: RegExp | undefined
  readonly nationalPrefixTransformRule: string | undefined
  readonly iddPrefix: RegExp
}

// Every number type getNumberType tries; any match makes the number valid.
const TYPES = [
  'FIXED_LINE',
  'MOBILE',
  'PREMIUM_RATE',
  'TOLL_FREE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
] as const

interface CallingCode {
  /** Undefined for a non-geographic code (+800, +979...): no country to pick. */
  readonly countries: readonly { readonly code: string; readonly plan: Plan }[] | undefined
}

const MIN_LENGTH_FOR_NSN = 2
const MAX_LENGTH_FOR_NSN = 17
const MAX_LENGTH_COUNTRY_CODE = 3
const MAX_INPUT_LENGTH = 250

const entirely = (source: string) => new RegExp(`^(?:${source})$`)

/** Compiled plans, keyed by what the library would select them by (country or calling code). */
class PlanBook {
  private readonly metadata: MetadataReader
  private readonly plans = new Map<string, Plan>()
  private readonly callingCodes = new Map<string, CallingCode | null>()

  constructor(json: MetadataJson) {
    this.metadata = new Metadata(json) as unknown as MetadataReader
  }

  plan(countryOrCallingCode: string): Plan {
    let plan = this.plans.get(countryOrCallingCode)
    if (plan === undefined) {
      plan = this.compile(countryOrCallingCode)
      this.plans.set(countryOrCallingCode, plan)
    }
    return plan
  }

  /** The countries sharing a calling code with their plans, or null when no such code exists. */
  callingCode(code: string): CallingCode | null {
    let found = this.callingCodes.get(code)
    if (found === undefined) {
      if (this.metadata.hasCallingCode(code) !== true) found = null
      else {
        const countries = this.metadata.getCountryCodesForCallingCode(code)
        found = {
          countries:
            countries === undefined
              ? undefined
              : countries.map((c) => ({ code: c, plan: this.plan(c) })),
        }
      }
      this.callingCodes.set(code, found)
    }
    return found
  }

  private compile(countryOrCallingCode: string): Plan {
    this.metadata.selectNumberingPlan(countryOrCallingCode)
    const p = this.metadata.numberingPlan as PlanReader
    const types: { pattern: RegExp; lengths: readonly number[] | undefined }[] = []
    for (const name of TYPES) {
      const t = p.type(name)
      const pattern = t?.pattern()
      if (t !== undefined && pattern)
        types.push({ pattern: entirely(pattern), lengths: t.possibleLengths() })
    }
    const leadingDigits = p.leadingDigits()
    const nationalPrefix = p.nationalPrefixForParsing()
    return {
      callingCode: p.callingCode(),
      nationalNumber: entirely(p.nationalNumberPattern()),
      possibleLengths: p.possibleLengths(),
      types,
      hasTypes: p.hasTypes(),
      leadingDigits: leadingDigits ? new RegExp(leadingDigits) : undefined,
      nationalPrefix: nationalPrefix ? new RegExp(`^(?:${nationalPrefix})`) : undefined,
      nationalPrefixTransformRule: p.nationalPrefixTransformRule(),
      // the library builds this even when the plan has none (`new RegExp(undefined)` matches "")
      iddPrefix: new RegExp(p.IDDPrefix() as string),
    }
  }
}

const matches = (text: string, pattern: RegExp) => pattern.test(text)

/** getNumberType(...) !== undefined */
function hasType(plan: Plan, nsn: string): boolean {
  if (!matches(nsn, plan.nationalNumber)) return false
  for (const t of plan.types) {
    if (t.lengths && !t.lengths.includes(nsn.length)) continue
    if (matches(nsn, t.pattern)) return true
  }
  return false
}

/** getCountryByCallingCode: the first country sharing the code that claims the number. */
function countryFor(book: PlanBook, callingCode: string, nsn: string): string | undefined {
  const countries = book.callingCode(callingCode)?.countries
  if (countries === undefined) return undefined
  if (countries.length === 1) return countries[0]?.code
  for (const { code, plan } of countries) {
    if (plan.leadingDigits !== undefined) {
      if (nsn && nsn.search(plan.leadingDigits) === 0) return code
    } else if (hasType(plan, nsn)) return code
  }
  return undefined
}

type LengthVerdict = 'IS_POSSIBLE' | 'TOO_SHORT' | 'TOO_LONG' | 'INVALID_LENGTH'

/** checkNumberLength without a number type. */
function checkLength(plan: Plan, nsn: string): LengthVerdict {
  const lengths = plan.possibleLengths
  if (!lengths) return 'IS_POSSIBLE'
  const length = nsn.length
  const min = lengths[0] as number
  if (min === length) return 'IS_POSSIBLE'
  if (min > length) return 'TOO_SHORT'
  if ((lengths[lengths.length - 1] as number) < length) return 'TOO_LONG'
  return lengths.indexOf(length, 1) >= 0 ? 'IS_POSSIBLE' : 'INVALID_LENGTH'
}

/** extractNationalNumber: strip a national prefix (or apply its transform) when that is sound. */
function nationalNumberOf(book: PlanBook, plan: Plan, digits: string): string {
  if (!digits || plan.nationalPrefix === undefined) return digits
  const m = plan.nationalPrefix.exec(digits)
  if (m === null) return digits
  const groups = m.length - 1
  const captured = groups > 0 && m[groups]
  const stripped =
    plan.nationalPrefixTransformRule && captured
      ? digits.replace(plan.nationalPrefix, plan.nationalPrefixTransformRule)
      : digits.slice(m[0].length)
  if (stripped === digits) return digits
  // a number that fits the plan only with its leading digits keeps them
  if (matches(digits, plan.nationalNumber) && !matches(stripped, plan.nationalNumber)) return digits
  if (plan.possibleLengths) {
    const country = countryFor(book, plan.callingCode, stripped)
    const verdict = checkLength(country === undefined ? plan : book.plan(country), stripped)
    if (verdict === 'TOO_SHORT' || verdict === 'INVALID_LENGTH') return digits
  }
  return stripped
}

/** stripIddPrefix: what follows an international dialling prefix ("00", "011"), if any. */
function afterIddPrefix(plan: Plan, digits: string): string | undefined {
  if (digits.search(plan.iddPrefix) !== 0) return undefined
  const rest = digits.slice((plan.iddPrefix.exec(digits) as RegExpExecArray)[0].length)
  // no calling code starts with 0
  return rest.startsWith('0') ? undefined : rest
}

/** extractCountryCallingCodeFromInternationalNumberWithoutPlusSign ("447700900123" in GB). */
function withoutPlusSign(book: PlanBook, plan: Plan, digits: string): string | undefined {
  if (!digits.startsWith(plan.callingCode)) return undefined
  const shorter = digits.slice(plan.callingCode.length)
  const shorterNsn = nationalNumberOf(book, plan, shorter)
  const nsn = nationalNumberOf(book, plan, digits)
  const better =
    (!matches(nsn, plan.nationalNumber) && matches(shorterNsn, plan.nationalNumber)) ||
    checkLength(plan, nsn) === 'TOO_LONG'
  return better ? shorter : undefined
}

/**
 * parse() (v2) then isValid() for digits with an optional leading "+": the E.164 number or null.
 */
function parseDigits(
  book: PlanBook,
  defaultCountry: string | undefined,
  input: string,
): string | null {
  let callingCode: string | undefined
  let country: string | undefined
  let rest: string | undefined = input
  // extractCountryCallingCode
  if (rest[0] !== '+') {
    const withoutIdd =
      defaultCountry === undefined ? undefined : afterIddPrefix(book.plan(defaultCountry), rest)
    if (withoutIdd && withoutIdd !== rest) rest = `+${withoutIdd}`
    else if (defaultCountry !== undefined) {
      const home = book.plan(defaultCountry)
      const shorter = withoutPlusSign(book, home, rest)
      if (shorter !== undefined) {
        callingCode = home.callingCode
        rest = shorter
      }
    }
  }
  if (rest[0] === '+') {
    callingCode = undefined
    let found: string | undefined
    if (rest[1] !== '0') {
      for (let i = 2; i - 1 <= MAX_LENGTH_COUNTRY_CODE && i <= rest.length; i++) {
        const code = rest.slice(1, i)
        if (book.callingCode(code) !== null) {
          callingCode = code
          found = rest.slice(i)
          break
        }
      }
    }
    if (callingCode === undefined) return null
    rest = found
  } else if (callingCode === undefined) {
    // a national number: the default country's plan, or nothing to parse it with
    if (defaultCountry === undefined) return null
    country = defaultCountry
    callingCode = book.plan(defaultCountry).callingCode
  }
  if (!rest) return null
  // the plan selected so far: the country's, else the calling code's main country's
  const selected = book.plan(country ?? callingCode)
  const nsn = nationalNumberOf(book, selected, rest)
  const exact = countryFor(book, callingCode, nsn)
  if (exact !== undefined) country = exact
  if (!nsn || nsn.length < MIN_LENGTH_FOR_NSN || nsn.length > MAX_LENGTH_FOR_NSN) return null
  // isValid()
  const plan = book.plan(country ?? callingCode)
  const valid = plan.hasTypes ? hasType(plan, nsn) : matches(nsn, plan.nationalNumber)
  return valid ? `+${callingCode}${nsn}` : null
}

/**
 * The digits (with a leading "+" if any) when `raw` is in the plain shape whose front-end
 * handling in the library is known: ASCII digits (3 or more), space - . ( ) /, and at most one
 * "+" before the first digit. Otherwise undefined: the library handles it.
 */
function plainDigits(raw: string): string | undefined {
  if (raw.length > MAX_INPUT_LENGTH) return undefined
  let digits = ''
  let plus = false
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i)
    if (c >= 48 && c <= 57) digits += raw[i]
    else if (c === 43) {
      if (plus || digits.length > 0) return undefined
      plus = true
    } else if (c !== 32 && c !== 45 && c !== 46 && c !== 40 && c !== 41 && c !== 47)
      return undefined
  }
  if (digits.length < 3) return undefined
  return plus ? `+${digits}` : digits
}

// Shared by every tenant: the plans are a pure function of the library's metadata.
let sharedBook: PlanBook | undefined

/** A normaliser for one default country (null: only international numbers parse). */
export function createPhoneNormalizer(
  defaultCountry: string | null,
): (raw: string) => string | null {
  const plans = (sharedBook ??= new PlanBook(minMetadata))
  // as parsePhoneNumberFromString does: an unknown default country counts as none
  const country =
    defaultCountry && isSupportedCountry(defaultCountry as CountryCode, minMetadata)
      ? defaultCountry
      : undefined
  // "001" (non-geographic) is a key of the metadata but selects no plan: left to the library
  const fast = country !== '001'
  return (raw) => {
    const digits = fast ? plainDigits(raw) : undefined
    if (digits !== undefined) return parseDigits(plans, country, digits)
    if (raw.includes(PHONE_CONTEXT)) resetPhoneContextCheck()
    const parsed = parsePhoneNumberFromString(raw, country as CountryCode | undefined)
    return parsed !== undefined && parsed.isValid() ? parsed.number : null
  }
}

const PHONE_CONTEXT = ';phone-context='

/**
 * The library checks an RFC 3966 `;phone-context=` with two module-level regexes carrying the
 * `g` flag, so its verdict on such a number alternates from call to call and depends on the
 * number parsed before (libphonenumber-js PR #498, open). A context that fails both checks sets
 * both back to the start; parsing right after that gives the verdict of a fresh process, so
 * the same text always gets the same verdict.
 */
function resetPhoneContextCheck(): void {
  parsePhoneNumberFromString(`${PHONE_CONTEXT}+`)
}
