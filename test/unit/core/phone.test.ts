import { describe, expect, it } from 'vitest'
import { createPhoneNormalizer } from '../../../src/core/phone.js'

// Spec rule 1, phone: E.164 with the tenant's default country, kept only when valid. The
// property test (test/property/phone-normalisation.test.ts) shows these equal the library's
// verdicts; these name the written forms customers' systems actually send.
describe('phone normalisation', () => {
  it.each([
    ['GB', '07400 123456', '+447400123456'],
    ['GB', '+44 (0)20 7946 0000', '+442079460000'],
    ['GB', '0044 20 7946 0000', '+442079460000'],
    ['GB', '447400123456', '+447400123456'],
    ['GB', '(0161) 496-0000', '+441614960000'],
    ['US', '(212) 555-0100', '+12125550100'],
    ['US', '1-212-555-0100', '+12125550100'],
    ['US', '212.555.0100', '+12125550100'],
    ['US', '011 44 20 7946 0000', '+442079460000'],
    ['US', '+44 7797 900123', '+447797900123'], // Jersey shares +44: picked by leading digits
    ['RU', '8 800 555 35 35', '+78005553535'], // 8 is both the national prefix and a range
    ['FR', '06 12 34 56 78', '+33612345678'],
    ['DE', '030 123456', '+4930123456'],
    [null, '+1 212 555 0100', '+12125550100'],
  ])('%s: %j is %s', (country, raw, expected) => {
    expect(createPhoneNormalizer(country)(raw)).toBe(expected)
  })

  it.each([
    ['GB', '12'],
    ['GB', '+44 20 7946'],
    ['GB', '07700 900123 456 789'],
    ['US', '(112) 555-0100'], // no US area code starts with 1
    ['US', '+999 123 456 789'], // no such calling code
    [null, '020 7946 0000'], // a national number without a default country
  ])('%s: %j is invalid', (country, raw) => {
    expect(createPhoneNormalizer(country)(raw)).toBeNull()
  })

  it('reads extensions, tel: URIs and full-width digits as the library does', () => {
    const us = createPhoneNormalizer('US')
    expect(us('+1 212 555 0100 ext. 12')).toBe('+12125550100')
    expect(us('tel:+1-212-555-0100')).toBe('+12125550100')
    expect(createPhoneNormalizer('GB')('０７４００ １２３４５６')).toBe('+447400123456')
  })

  it('treats a default country the library does not know as none', () => {
    const unknown = createPhoneNormalizer('XX')
    expect(unknown('07400 123456')).toBeNull()
    expect(unknown('+447400123456')).toBe('+447400123456')
  })

  it('gives a phone-context number the same verdict every time (the library alone alternates)', () => {
    const gb = createPhoneNormalizer('GB')
    const raw = 'tel:2079460000;phone-context=+44'
    expect([gb(raw), gb(raw), gb(raw)]).toEqual(['+442079460000', '+442079460000', '+442079460000'])
  })
})
