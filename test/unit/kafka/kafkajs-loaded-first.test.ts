import { createRequire } from 'node:module'
import { expect, it } from 'vitest'
import { createKafka } from '../../../src/kafka/client.js'
import { KafkajsPatchError } from '../../../src/kafka/patches/errors.js'
import { kafkajsGrouping } from '../../../src/kafka/patches/partition-grouping.js'

// What an `import { Kafka } from 'kafkajs'` at the top of a test (or any module loaded before
// src/kafka) does: kafkajs's producer loads and binds kafkajs's own partition grouping.
const require = createRequire(import.meta.url)
require('kafkajs')

it('createKafka refuses a kafkajs loaded before its patches instead of running without them', () => {
  let thrown: unknown
  try {
    createKafka({ brokers: ['127.0.0.1:1'], clientId: 'loaded-first' })
  } catch (err) {
    thrown = err
  }
  expect(thrown).toBeInstanceOf(KafkajsPatchError)
  expect(thrown).toMatchObject({ code: 'kafkajs-loaded-first', retriable: false })
  expect((thrown as Error).message).toContain('load kafkajs only through src/kafka')
  // Nothing was half-installed: the grouping in the cache is still kafkajs's own.
  expect(require('kafkajs/src/producer/groupMessagesPerPartition.js')).toBe(kafkajsGrouping())
})
