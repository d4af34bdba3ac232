import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Sha256Prefix } from '../../../src/connectors/sha256-prefix.js'

const sha = (text: string) => createHash('sha256').update(text).digest('hex')

describe('Sha256Prefix', () => {
  it('equals node:crypto for prefixes and suffixes across block boundaries', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 200, unit: 'binary' }),
        fc.string({
          maxLength: 140,
          unit: fc.integer({ min: 0, max: 127 }).map((c) => String.fromCharCode(c)),
        }),
        fc.integer({ min: 1, max: 64 }),
        (prefix, suffix, hexChars) => {
          const h = new Sha256Prefix(Buffer.from(prefix, 'utf8'))
          expect(h.hex(suffix, hexChars)).toBe(sha(prefix + suffix).slice(0, hexChars))
          // the same instance again (its scratch state must not leak between calls)
          expect(h.hex(`${suffix}7`)).toBe(sha(`${prefix}${suffix}7`))
        },
      ),
      { numRuns: 500 },
    )
  })

  it('covers every suffix length around the padding limit for one prefix', () => {
    for (let p = 0; p < 130; p += 13) {
      const prefix = 'p'.repeat(p)
      const h = new Sha256Prefix(Buffer.from(prefix))
      for (let n = 0; n < 140; n++) {
        const suffix = String(n % 10).repeat(n)
        expect(h.hex(suffix)).toBe(sha(prefix + suffix))
      }
    }
  })

  it('refuses a suffix that is not ASCII', () => {
    expect(() => new Sha256Prefix(Buffer.from('x')).hex('é')).toThrow(RangeError)
  })
})
