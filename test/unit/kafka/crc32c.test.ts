import fc from 'fast-check'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { crc32c } from '../../../src/kafka/crc32c.js'

const require = createRequire(import.meta.url)
const kafkajsCrc32C = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (
  buffer: Buffer,
) => number

describe('crc32c', () => {
  it('gives the CRC-32C check value', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283)
    expect(crc32c(Buffer.alloc(0))).toBe(0)
  })

  it('agrees with kafkajs on any bytes, at any length and offset', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2_000 }), fc.nat(7), (bytes, skip) => {
        const view = Buffer.from(bytes).subarray(Math.min(skip, bytes.length))
        expect(crc32c(view)).toBe(kafkajsCrc32C(view))
      }),
      { numRuns: 300 },
    )
  })
})
