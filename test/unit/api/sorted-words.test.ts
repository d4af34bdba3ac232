import { describe, expect, it } from 'vitest'
import { SortedWords } from '../../../src/api/sorted-words.js'

describe('SortedWords (the search vocabulary)', () => {
  it('keeps words sorted across block splits and deletes, and lists a prefix in order', () => {
    const words = new SortedWords()
    const reference = new Set<string>()
    let seed = 7
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31)
    for (let i = 0; i < 6000; i++) {
      const w = `w${(next() % 3000).toString(36)}`
      if (next() % 4 === 0) {
        words.delete(w)
        reference.delete(w)
      } else {
        words.add(w)
        reference.add(w)
      }
    }
    const sorted = [...reference].sort()
    expect(words.size).toBe(sorted.length)
    expect(words.withPrefix('', 100_000)).toEqual(sorted)
    for (const prefix of ['w1', 'w2z', 'wa', 'x', 'w']) {
      const expected = sorted.filter((w) => w.startsWith(prefix))
      expect(words.withPrefix(prefix, 100_000)).toEqual(expected)
      expect(words.withPrefix(prefix, 3)).toEqual(expected.slice(0, 3))
    }
  })
})
