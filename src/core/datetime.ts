/**
 * Datetime attributes without the Date global (the core reads no clock, and lint forbids Date
 * here). Accepts ISO 8601 dates ("1990-05-01") and date-times with optional seconds, fraction
 * and zone ("2024-03-01T10:00:00+02:00"; no zone = UTC), and epoch milliseconds as numbers.
 * A date stays a date; a date-time becomes UTC "YYYY-MM-DDTHH:mm:ss.sssZ", so equal instants
 * compare equal whatever zone they came in.
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

/** The canonical text of a datetime value, or null when it does not parse. */
export function parseDatetime(raw: string | number): string | null {
  if (typeof raw === 'number') {
    if (!Number.isInteger(raw) || raw < MIN_MS || raw >= MAX_MS) return null
    return formatEpochMillis(raw)
  }
  const m = ISO.exec(raw.trim())
  if (m === null) return null
  const y = Number(m[1])
  const mo = Number(m[2])
  const d = Number(m[3])
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return null
  if (m[4] === undefined) return `${m[1]}-${m[2]}-${m[3]}`
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
  if (ms < MIN_MS || ms >= MAX_MS) return null
  return formatEpochMillis(ms)
}
