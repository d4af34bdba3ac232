import fc from 'fast-check'
import { createRequire } from 'node:module'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  encodeProduceRequest,
  installFastProduceEncoding,
  kafkajsProduceRequest,
  type ProduceRequestArgs,
} from '../../../src/kafka/patches/produce-encoding.js'

const require = createRequire(import.meta.url)
const NOW = 1_790_000_000_123

/** The bytes kafkajs's own encoder writes for the same request at the same clock. */
async function kafkajsBytes(args: ProduceRequestArgs): Promise<Buffer> {
  vi.spyOn(Date, 'now').mockReturnValue(NOW)
  const encoder = await kafkajsProduceRequest()(args).encode()
  return Buffer.from(encoder.buf.subarray(0, encoder.offset))
}

afterEach(() => {
  vi.restoreAllMocks()
})

const bytes = (n: number, fill: number) => Buffer.alloc(n, fill)

const transactional: ProduceRequestArgs = {
  acks: -1,
  timeout: 30_000,
  transactionalId: 'group-contact-events-3',
  producerId: '5000000000',
  producerEpoch: 7,
  compression: 0,
  topicData: [
    {
      topic: 'profile-changelog',
      partitions: [
        {
          partition: 3,
          firstSequence: 1_234,
          messages: [
            { key: Buffer.from('tenant-a'), value: bytes(200, 1) },
            { key: Buffer.from('tenant-a'), value: null },
            { key: null, value: bytes(0, 0) },
            { key: 'string key', value: 'string value ü' },
          ],
        },
        {
          partition: 0,
          firstSequence: 0,
          messages: [{ key: bytes(20, 2), value: bytes(20_000, 3) }],
        },
      ],
    },
    {
      topic: 'state-changelog',
      partitions: [
        {
          partition: 3,
          firstSequence: 99,
          messages: Array.from({ length: 300 }, (_, i) => ({
            key: Buffer.from(`k${i}`),
            value: bytes(i, i & 0xff),
          })),
        },
      ],
    },
  ],
}

describe('Produce request encoding', () => {
  it('writes the same bytes as kafkajs for a transactional request over several topics', async () => {
    expect(encodeProduceRequest(transactional, NOW)).toEqual(await kafkajsBytes(transactional))
  })

  it('writes the same bytes as kafkajs without a transaction or producer id', async () => {
    const plain: ProduceRequestArgs = {
      acks: 1,
      timeout: 5_000,
      topicData: [
        {
          topic: 't',
          partitions: [{ partition: 1, messages: [{ key: null, value: bytes(5, 9) }] }],
        },
      ],
    }
    expect(encodeProduceRequest(plain, NOW)).toEqual(await kafkajsBytes(plain))
  })

  it('matches kafkajs on generated records', async () => {
    const message = fc.record({
      key: fc.option(fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a))),
      value: fc.option(fc.uint8Array({ maxLength: 3_000 }).map((a) => Buffer.from(a))),
    })
    await fc.assert(
      fc.asyncProperty(
        fc.array(message, { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 0, max: 32_767 }),
        async (messages, firstSequence, producerEpoch) => {
          const args: ProduceRequestArgs = {
            acks: -1,
            timeout: 30_000,
            transactionalId: 'tx',
            producerId: 42,
            producerEpoch,
            topicData: [{ topic: 'out', partitions: [{ partition: 2, firstSequence, messages }] }],
          }
          expect(encodeProduceRequest(args, NOW)).toEqual(await kafkajsBytes(args))
        },
      ),
      { numRuns: 50 },
    )
  })

  it('leaves headers, timestamps and compression to kafkajs', () => {
    const one = (message: object, compression = 0): ProduceRequestArgs => ({
      acks: -1,
      timeout: 1_000,
      compression,
      topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [message] }] }],
    })
    expect(encodeProduceRequest(one({ value: bytes(1, 1), headers: { h: 'v' } }), NOW)).toBeNull()
    expect(encodeProduceRequest(one({ value: bytes(1, 1), timestamp: '123' }), NOW)).toBeNull()
    expect(encodeProduceRequest(one({ value: bytes(1, 1) }, 1), NOW)).toBeNull()
  })

  it('once installed, serves the Produce v7 requests kafkajs sends, even if it loaded them first', async () => {
    const produce = require('kafkajs/src/protocol/requests/produce/index.js') as {
      protocol: (v: { version: number }) => (args: ProduceRequestArgs) => {
        request: { apiVersion: number; encode(): Promise<{ buf: Buffer; offset: number }> }
      }
    }
    // kafkajs loads v7 (and the v6..v3 it wraps) at its first produce: before the install here.
    produce.protocol({ version: 7 })(transactional)
    installFastProduceEncoding()
    installFastProduceEncoding()
    vi.spyOn(Date, 'now').mockReturnValue(NOW)
    const { request } = produce.protocol({ version: 7 })(transactional)
    const encoder = await request.encode()
    expect(request.apiVersion).toBe(7)
    // Ours is sized exactly; kafkajs's encoder grows in powers of two.
    expect(encoder.buf.length).toBe(encoder.offset)
    expect(Buffer.from(encoder.buf.subarray(0, encoder.offset))).toEqual(
      await kafkajsBytes(transactional),
    )
  })
})
