import { describe, expect, it } from 'vitest'
import { parseBrokers } from '../../../src/config/brokers.js'

describe('parseBrokers', () => {
  it('reads a comma-separated list as given in KAFKA_BROKERS or --brokers', () => {
    expect(parseBrokers('a:9092')).toEqual(['a:9092'])
    expect(parseBrokers(' a:9092 , b:9093,')).toEqual(['a:9092', 'b:9093'])
  })

  it('gives no brokers for an empty or blank list, so callers can refuse it', () => {
    expect(parseBrokers('')).toEqual([])
    expect(parseBrokers(' , ')).toEqual([])
  })
})
