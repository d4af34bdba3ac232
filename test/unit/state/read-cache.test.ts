import { describe, expect, it } from 'vitest'
import { ReadCache } from '../../../src/state/read-cache.js'

describe('ReadCache', () => {
  it('tells a cached absence (null) from an unknown key (undefined)', () => {
    const cache = new ReadCache<{ n: number }>(10)
    cache.set('absent', null)
    expect(cache.get('absent')).toBeNull()
    expect(cache.get('unknown')).toBeUndefined()
  })

  it('never holds more than its entry bound, evicting the least recently used', () => {
    const cache = new ReadCache<{ n: number }>(2)
    cache.set('a', { n: 1 })
    cache.set('b', { n: 2 })
    expect(cache.get('a')).toEqual({ n: 1 })
    cache.set('c', { n: 3 })
    expect(cache.size).toBe(2)
    expect(cache.get('b')).toBeUndefined()
    expect(cache.get('a')).toEqual({ n: 1 })
    expect(cache.get('c')).toEqual({ n: 3 })
  })

  it('refuses a size that is not a positive integer', () => {
    expect(() => new ReadCache(0)).toThrow(/positive integer/)
    expect(() => new ReadCache(1.5)).toThrow(/positive integer/)
  })
})
