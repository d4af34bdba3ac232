import { describe, expect, it } from 'vitest'
import {
  KAFKA_DEFAULT_MAX_MESSAGE_BYTES,
  recordLimits,
} from '../../../src/topology/record-limits.js'

describe('recordLimits', () => {
  const limit = recordLimits([
    { name: 'dead-letter', configs: { 'max.message.bytes': '2097152' } },
    { name: 'profile-changelog', configs: { 'cleanup.policy': 'compact' } },
    { name: 'merged', configs: { 'max.message.bytes': null } },
  ])

  it("leaves room for a batch's framing under each topic's max.message.bytes", () => {
    expect(limit('dead-letter')).toBeLessThan(2_097_152)
    expect(limit('dead-letter')).toBeGreaterThan(2_097_152 - 4_096)
  })

  it("falls back to Kafka's default where the topic sets nothing or is unknown", () => {
    expect(limit('profile-changelog')).toBe(limit('merged'))
    expect(limit('unknown')).toBe(limit('merged'))
    expect(limit('merged')).toBeLessThan(KAFKA_DEFAULT_MAX_MESSAGE_BYTES)
    expect(limit('merged')).toBeGreaterThan(KAFKA_DEFAULT_MAX_MESSAGE_BYTES - 4_096)
  })
})
