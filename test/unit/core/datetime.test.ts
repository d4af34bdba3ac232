import { describe, expect, it } from 'vitest'
import { formatEpochMillis, parseDatetime } from '../../../src/core/datetime.js'

describe('datetime attributes', () => {
  it.each([
    ['1990-05-01', '1990-05-01'],
    ['2024-02-29', '2024-02-29'],
    ['2024-03-01T10:00', '2024-03-01T10:00:00.000Z'],
    ['2024-03-01T10:00:00.5Z', '2024-03-01T10:00:00.500Z'],
    ['2024-03-01 00:30:00-01:00', '2024-03-01T01:30:00.000Z'],
    ['2024-03-01T00:30:00+0130', '2024-02-29T23:00:00.000Z'],
  ])('%s → %s', (raw, expected) => {
    expect(parseDatetime(raw)).toBe(expected)
  })

  it.each(['2023-02-29', '2024-13-01', 'yesterday', '2024-01-01T24:00', ''])(
    'refuses %j',
    (raw) => {
      expect(parseDatetime(raw)).toBeNull()
    },
  )

  it('reads epoch milliseconds and formats them like Date does', () => {
    for (const ms of [0, 951_782_400_000, 1_700_000_000_123, -86_400_001]) {
      expect(formatEpochMillis(ms)).toBe(new Date(ms).toISOString())
    }
    expect(parseDatetime(1_700_000_000_123)).toBe('2023-11-14T22:13:20.123Z')
  })
})
