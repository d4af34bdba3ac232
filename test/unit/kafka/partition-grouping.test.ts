import fc from 'fast-check'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import {
  groupMessagesPerPartition,
  kafkajsGrouping,
  type GroupingArgs,
} from '../../../src/kafka/patches/partition-grouping.js'

const require = createRequire(import.meta.url)

interface Message {
  readonly id: number
  readonly partition: number
}

describe('partition grouping', () => {
  it('groups like kafkajs: same partitions, same order, same partitioner calls', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(7), { maxLength: 400 }),
        fc.integer({ min: 0, max: 8 }),
        (partitions, metadataLength) => {
          const messages: Message[] = partitions.map((partition, id) => ({ id, partition }))
          const run = (group: typeof groupMessagesPerPartition) => {
            const calls: number[] = []
            const args: GroupingArgs<Message> = {
              topic: 't',
              partitionMetadata: Array.from({ length: metadataLength }, (_, i) => ({ i })),
              messages,
              partitioner: ({ message }) => {
                calls.push(message.id)
                return message.partition
              },
            }
            const grouped = group(args)
            return { calls, grouped, keys: Object.keys(grouped) }
          }
          expect(run(groupMessagesPerPartition)).toEqual(run(kafkajsGrouping()))
        },
      ),
      { numRuns: 200 },
    )
  })

  it('patches nothing when imported: only installing does (test/unit/kafka/patches.test.ts)', () => {
    expect(require('kafkajs/src/producer/groupMessagesPerPartition.js')).toBe(kafkajsGrouping())
  })
})
