/**
 * Distinct, realistic phone inputs for bench:phone: UK and US mobile and landline numbers in
 * national, international, E.164, 00-prefixed and punctuated forms, plus the invalid values
 * integrations send (too short or long, wrong ranges, letters, placeholders). Seeded (prng.ts).
 */
import { Prng } from './prng.js'

export interface PhoneInput {
  readonly raw: string
  readonly defaultCountry: 'GB' | 'US'
}

const UK_AREAS = ['20', '121', '131', '141', '161', '113', '117', '1632', '1865', '1223', '28']
const US_AREAS = ['212', '213', '312', '415', '617', '646', '702', '305', '206', '512', '818']

export function phoneInputs(count: number, seed: number): PhoneInput[] {
  const prng = new Prng(seed)
  const random = () => prng.next()
  const pick = <T>(xs: readonly T[]): T => prng.pick(xs)
  const digits = (n: number) => {
    let s = ''
    for (let i = 0; i < n; i++) s += String(Math.floor(random() * 10))
    return s
  }
  const seen = new Set<string>()
  const out: PhoneInput[] = []

  // A national significant number, its calling code and its default country.
  const ukMobile = () => `7${pick(['4', '5', '7', '8', '9'])}${digits(8)}`
  const ukLandline = () => {
    const area = pick(UK_AREAS)
    return `${area}${digits(10 - area.length)}`
  }
  const usNumber = () => `${pick(US_AREAS)}${2 + Math.floor(random() * 8)}${digits(6)}`

  const group = (nsn: string, sizes: readonly number[]) => {
    const parts: string[] = []
    let at = 0
    for (const size of sizes) {
      if (at >= nsn.length) break
      parts.push(nsn.slice(at, at + size))
      at += size
    }
    if (at < nsn.length) parts.push(nsn.slice(at))
    return parts
  }

  const ukForms = (nsn: string): string => {
    const [a = '', b = '', c = ''] = group(nsn, nsn.startsWith('7') ? [4, 6] : [3, 3, 4])
    switch (Math.floor(random() * 8)) {
      case 0:
        return `0${nsn}`
      case 1:
        return `0${a} ${b}${c === '' ? '' : ` ${c}`}`
      case 2:
        return `+44${nsn}`
      case 3:
        return `+44 ${a} ${b} ${c}`.trim()
      case 4:
        return `+44 (0)${a} ${b}${c}`
      case 5:
        return `0044 ${a} ${b}${c}`
      case 6:
        return `(0${a}) ${b}-${c}`
      default:
        return `44${nsn}`
    }
  }
  const usForms = (nsn: string): string => {
    const a = nsn.slice(0, 3)
    const b = nsn.slice(3, 6)
    const c = nsn.slice(6)
    switch (Math.floor(random() * 7)) {
      case 0:
        return nsn
      case 1:
        return `(${a}) ${b}-${c}`
      case 2:
        return `+1${nsn}`
      case 3:
        return `+1 ${a}-${b}-${c}`
      case 4:
        return `1-${a}-${b}-${c}`
      case 5:
        return `${a}.${b}.${c}`
      default:
        return `001 ${a} ${b} ${c}`
    }
  }
  const invalid = (): string => {
    switch (Math.floor(random() * 7)) {
      case 0:
        return digits(1 + Math.floor(random() * 5)) // too short
      case 1:
        return `+${digits(16 + Math.floor(random() * 4))}` // too long
      case 2:
        return `0${digits(5 + Math.floor(random() * 10))}` // random national digits
      case 3:
        return `+44 ${digits(7 + Math.floor(random() * 6))}` // wrong UK range or length
      case 4:
        return `+1 ${pick(['0', '1'])}${digits(9)}` // NANP area codes never start 0/1
      case 5:
        return `call me ${digits(3)}` // text with a few digits
      default:
        return pick(['n/a', 'unknown', 'none given', 'ask at desk']) + digits(2)
    }
  }

  while (out.length < count) {
    const r = random()
    let input: PhoneInput
    if (r < 0.3) input = { raw: ukForms(ukMobile()), defaultCountry: 'GB' }
    else if (r < 0.5) input = { raw: ukForms(ukLandline()), defaultCountry: 'GB' }
    else if (r < 0.8) input = { raw: usForms(usNumber()), defaultCountry: 'US' }
    else input = { raw: invalid(), defaultCountry: random() < 0.5 ? 'GB' : 'US' }
    const key = `${input.defaultCountry}|${input.raw}`
    if (seen.has(key)) continue
    seen.add(key)
    out.push(input)
  }
  return out
}
