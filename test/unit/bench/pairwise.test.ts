import { describe, expect, it } from 'vitest'
import {
  identifierKey,
  pairs,
  scorePartition,
  type Truth,
} from '../../../bench/accuracy/pairwise.js'

const k = (value: string) => identifierKey('email', value)
const PLACEHOLDER = k('test@test.com')

/** Ann owns a1..a3, Bob owns b1 and b2; test@test.com belongs to no one. */
const truth: Truth = {
  owners: new Map([
    [k('a1'), 'ann'],
    [k('a2'), 'ann'],
    [k('a3'), 'ann'],
    [k('b1'), 'bob'],
    [k('b2'), 'bob'],
  ]),
  isPlaceholder: (key) => key === PLACEHOLDER,
}

describe('pairwise accuracy of a partition', () => {
  it('counts pairs from profile sizes', () => {
    expect([0, 1, 2, 3, 10].map(pairs)).toEqual([0, 0, 1, 3, 45])
  })

  it('scores a perfect partition 1/1/1 whatever placeholders it leaves alone', () => {
    const score = scorePartition(truth, [
      [k('a1'), k('a2'), k('a3')],
      [k('b1'), k('b2')],
    ])
    expect(score).toMatchObject({ precision: 1, recall: 1, f1: 1, overMerged: 0, missing: 0 })
  })

  it('matches precision, recall and F1 worked out by hand', () => {
    // Profiles {a1,a2,b1,test}, {a3}, {b2}: predicted pairs a1a2, a1b1, a2b1 (3), of which a1a2
    // is right (1); true pairs a1a2, a1a3, a2a3, b1b2 (4). P = 1/3, R = 1/4, F1 = 2PR/(P+R) = 2/7.
    const score = scorePartition(truth, [
      [k('a1'), k('a2'), k('b1'), PLACEHOLDER],
      [k('a3')],
      [k('b2')],
    ])
    expect(score.predictedPairs).toBe(3)
    expect(score.correctPairs).toBe(1)
    expect(score.truePairs).toBe(4)
    expect(score.precision).toBeCloseTo(1 / 3, 12)
    expect(score.recall).toBeCloseTo(1 / 4, 12)
    expect(score.f1).toBeCloseTo(2 / 7, 12)
    expect(score.overMerged).toBe(1)
    expect(score.overMergedWithPlaceholder).toBe(1)
    expect(score.withPlaceholder).toBe(1)
    expect(score.splitPersons).toBe(2)
    expect(score.largestProfile).toEqual({ identifiers: 4, persons: 2 })
  })

  it('treats an identifier no profile holds as lost: recall drops, precision does not', () => {
    const score = scorePartition(truth, [[k('a1'), k('a2'), k('a3')], [k('b1')]])
    expect(score.missing).toBe(1)
    expect(score.precision).toBe(1)
    expect(score.recall).toBeCloseTo(3 / 4, 12)
  })

  it('ignores identifiers the truth does not score (shared, unknown)', () => {
    const score = scorePartition(truth, [
      [k('a1'), k('a2'), k('a3'), identifierKey('phone', '+12122001234')],
      [k('b1'), k('b2'), identifierKey('phone', '+12122001234')],
    ])
    expect(score).toMatchObject({ precision: 1, recall: 1, overMerged: 0, withPlaceholder: 0 })
  })
})
