import { describe, expect, it } from 'vitest'
import { analyseErrors } from '../../../bench/accuracy/error-analysis.js'
import { identifierKey, type Truth } from '../../../bench/accuracy/pairwise.js'

const email = (value: string) => identifierKey('email', value)
const phone = (value: string) => identifierKey('phone', value)

/** Ann owns a1..a3; Bob owns the phone b1 (recycled to him) and the emails b2, b3. */
const truth: Truth = {
  owners: new Map([
    [email('a1'), 'ann'],
    [email('a2'), 'ann'],
    [email('a3'), 'ann'],
    [phone('b1'), 'bob'],
    [email('b2'), 'bob'],
    [email('b3'), 'bob'],
  ]),
  isPlaceholder: () => false,
  tag: (key) => (key === phone('b1') ? 'changed-owner' : null),
}

describe('error analysis of a partition', () => {
  it('names the identifiers that over-merge and the ones split off, by type', () => {
    // Bob's phone sits with Ann's emails (over-merge); Ann's a3 is alone (split).
    const errors = analyseErrors(truth, [
      [email('a1'), email('a2'), phone('b1')],
      [email('a3')],
      [email('b2'), email('b3')],
    ])
    expect(errors).toEqual({
      intrudersByType: { phone: 1 },
      intrudersChangedOwner: 1,
      straysByType: { email: 1, phone: 1 },
      straysOnTheirOwn: 1,
      straysWithOthers: 1,
    })
  })

  it('finds nothing wrong in the true partition', () => {
    const errors = analyseErrors(truth, [
      [email('a1'), email('a2'), email('a3')],
      [phone('b1'), email('b2'), email('b3')],
    ])
    expect(errors.intrudersByType).toEqual({})
    expect(errors.straysByType).toEqual({})
  })
})
