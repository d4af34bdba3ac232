/**
 * Datetime attributes without the Date global (the core reads no clock, and lint forbids Date
 * here). Accepts ISO 8601 dates ("1990-05-01") and date-times with optional seconds, fraction
 * and zone ("2024-03-01T10:00:00+02:00"; no zone = UTC), and epoch milliseconds as numbers.
 * A date stays a date; a date-time becomes UTC "YYYY-MM-DDTHH:mm:ss.sssZ", so equal instants
 * compare equal whatever zone they came in. Event timestamps use the same strict reading with
 * a wider range (parseEventTimestamp).
 */

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i

const MS_PER_DAY = 86_400_000

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y
  const era = Math.floor(yy / 400)
  const yoe = yy - era * 400
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
}

function civilFromDays(z: number): [number, number, number] {
  const zz = z + 719468
  const era = Math.floor(zz / 146097)
  const doe = zz - era * 146097
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  )
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1
  const m = mp < 10 ? mp + 3 : mp - 9
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d]
}

const pad = (n: number, w: number) => String(n).padStart(w, '0')

export function formatEpochMillis(ms: number): string {
  const days = Math.floor(ms / MS_PER_DAY)
  let rest = ms - days * MS_PER_DAY
  const [y, m, d] = civilFromDays(days)
  const h = Math.floor(rest / 3_600_000)
  rest -= h * 3_600_000
  const min = Math.floor(rest / 60_000)
  rest -= min * 60_000
  const s = Math.floor(rest / 1000)
  const milli = rest - s * 1000
  return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(min, 2)}:${pad(s, 2)}.${pad(milli, 3)}Z`
}

// Years 0000-9999 only, so the canonical form stays fixed-width and sorts as text.
const MAX_MS = daysFromCivil(10000, 1, 1) * MS_PER_DAY
const MIN_MS = daysFromCivil(0, 1, 1) * MS_PER_DAY

/**
 * The instant an ISO 8601 text names, strictly: real calendar dates only (no 2024-02-30, which
 * Date.parse turns into March 1st), hours 00-23, minutes and seconds 00-59, zone offsets up to
 * ±23:59. `date` is true when the text has no time part.
 */
function parseIso(raw: string): { readonly ms: number; readonly date: string | null } | null {
  const m = ISO.exec(raw.trim())
  if (m === null) return null
  const y = Number(m[1])
  const mo = Number(m[2])
  const d = Number(m[3])
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return null
  if (m[4] === undefined)
    return { ms: daysFromCivil(y, mo, d) * MS_PER_DAY, date: `${m[1]}-${m[2]}-${m[3]}` }
  const h = Number(m[4])
  const mi = Number(m[5])
  const s = m[6] === undefined ? 0 : Number(m[6])
  if (h > 23 || mi > 59 || s > 59) return null
  const milli = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000)
  let offsetMin = 0
  const zone = m[8]
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1
    const digits = zone.slice(1).replace(':', '')
    const oh = Number(digits.slice(0, 2))
    const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0
    if (oh > 23 || om > 59) return null
    offsetMin = sign * (oh * 60 + om)
  }
  const ms =
    daysFromCivil(y, mo, d) * MS_PER_DAY + ((h * 60 + mi - offsetMin) * 60 + s) * 1000 + milli
  return { ms, date: null }
}

/** The canonical text of a datetime value, or null when it does not parse. */
export function parseDatetime(raw: string | number): string | null {
  if (typeof raw === 'number') {
    if (!Number.isInteger(raw) || raw < MIN_MS || raw >= MAX_MS) return null
    return formatEpochMillis(raw)
  }
  const parsed = parseIso(raw)
  if (parsed === null) return null
  if (parsed.date !== null) return parsed.date
  if (parsed.ms < MIN_MS || parsed.ms >= MAX_MS) return null
  return formatEpochMillis(parsed.ms)
}

/**
 * Event timestamps: whole epoch milliseconds within what a JavaScript Date can hold (±8.64e15
 * ms, about ±273,790 years), so every consumer can format them. One rule for numbers and text:
 * text is read strictly (parseIso) into milliseconds and then meets the same range check, so
 * "0001-01-01" and -62135596800000 get the same verdict.
 */
export const MAX_EVENT_TIMESTAMP = 8.64e15

/** Why `ms` is not a usable event timestamp (the message names the field), or null. */
export function eventTimestampProblem(ms: unknown): string | null {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return 'timestamp is not a number'
  if (!Number.isInteger(ms)) return 'timestamp is not a whole number of milliseconds'
  if (ms < -MAX_EVENT_TIMESTAMP || ms > MAX_EVENT_TIMESTAMP)
    return `timestamp ${ms} is outside the supported range (±${MAX_EVENT_TIMESTAMP} ms)`
  return null
}

export type ParsedTimestamp =
  { readonly ok: true; readonly ms: number } | { readonly ok: false; readonly problem: string }

/** An event timestamp given as epoch milliseconds or ISO 8601 text (a date alone = its UTC midnight). */
export function parseEventTimestamp(raw: string | number): ParsedTimestamp {
  let ms: number
  if (typeof raw === 'number') ms = raw
  else {
    const parsed = parseIso(raw)
    if (parsed === null)
      return {
        ok: false,
        problem: `timestamp ${JSON.stringify(raw.slice(0, 64))} is not a valid ISO 8601 date or date-time`,
      }
    ms = parsed.ms
  }
  const problem = eventTimestampProblem(ms)
  return problem === null ? { ok: true, ms } : { ok: false, problem }
}
