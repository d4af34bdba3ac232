import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Batch } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { createKafka } from '../../../src/kafka/client.js'
import { KafkajsPatchError } from '../../../src/kafka/patches/errors.js'
import { fetchedOffsetOf } from '../../../src/kafka/patches/fetched-offset.js'
import {
  checkKafkajsVersion,
  KAFKAJS_VERSION,
  loadKafkajs,
} from '../../../src/kafka/patches/index.js'
import {
  installPartitionGrouping,
  kafkajsGrouping,
  partitionGroupingInstalled,
} from '../../../src/kafka/patches/partition-grouping.js'
import { kafkajsProduceRequest } from '../../../src/kafka/patches/produce-encoding.js'
import type { Logger } from '../../../src/ports/logger.js'

const require = createRequire(import.meta.url)
const loadedModule = (id: string) => require.cache[require.resolve(id)] !== undefined
const SEND_MODULE = 'kafkajs/src/producer/sendMessages.js'

interface Line {
  readonly level: 'debug' | 'info' | 'warn' | 'error'
  readonly msg: string | undefined
}
function recordingLogger(lines: Line[]): Logger {
  const logger: Logger = {
    debug: (_obj, msg) => void lines.push({ level: 'debug', msg }),
    info: (_obj, msg) => void lines.push({ level: 'info', msg }),
    warn: (_obj, msg) => void lines.push({ level: 'warn', msg }),
    error: (_obj, msg) => void lines.push({ level: 'error', msg }),
    child: () => logger,
  }
  return logger
}

describe('kafkajs patches', () => {
  // First in this file, so kafkajs has not been loaded yet (each test file runs in its own process).
  it("are in place before kafkajs's producer binds the partition grouping", () => {
    expect(loadedModule(SEND_MODULE)).toBe(false)
    createKafka({ brokers: ['127.0.0.1:1'], clientId: 'patches-test' })
    // The send module binds the grouping once, when it loads: it loaded with ours in the cache.
    expect(loadedModule(SEND_MODULE)).toBe(true)
    expect(partitionGroupingInstalled()).toBe(true)
    expect(require('kafkajs/src/producer/groupMessagesPerPartition.js')).not.toBe(kafkajsGrouping())
    expect(require('kafkajs/src/protocol/requests/produce/v3/request.js')).not.toBe(
      kafkajsProduceRequest(),
    )
  })

  it('install once: loading again returns the same kafkajs and wraps nothing twice', () => {
    const grouping = require('kafkajs/src/producer/groupMessagesPerPartition.js') as unknown
    expect(loadKafkajs()).toBe(loadKafkajs())
    installPartitionGrouping()
    expect(require('kafkajs/src/producer/groupMessagesPerPartition.js')).toBe(grouping)
  })

  it('are for exactly the kafkajs version that is installed and that package.json pins', () => {
    const installed = (require('kafkajs/package.json') as { version: string }).version
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'))
    expect(installed).toBe(KAFKAJS_VERSION)
    expect(pkg.dependencies.kafkajs).toBe(KAFKAJS_VERSION)
  })

  it('refuse another kafkajs version, naming both', () => {
    expect(() => checkKafkajsVersion('2.2.4', '2.2.4')).not.toThrow()
    let thrown: unknown
    try {
      checkKafkajsVersion('2.3.0', '2.2.4')
    } catch (err) {
      thrown = err
    }
    expect(thrown).toBeInstanceOf(KafkajsPatchError)
    expect(thrown).toMatchObject({ code: 'kafkajs-version-mismatch', retriable: false })
    expect((thrown as Error).message).toContain('kafkajs 2.3.0 is installed')
    expect((thrown as Error).message).toContain('written for kafkajs 2.2.4')
  })

  it('read the offset a batch was fetched from, even when its first records were filtered', () => {
    const KafkajsBatch = require('kafkajs/src/consumer/batch.js') as new (
      topic: string,
      fetchedOffset: string,
      data: object,
    ) => Batch
    const record = (offset: string) => ({ offset, key: null, value: null, headers: {} })
    // A fetch from 5 may answer from the start of the record batch holding 5 (here 3).
    const batch = new KafkajsBatch('t', '5', {
      partition: 0,
      highWatermark: '10',
      messages: [record('3'), record('4'), record('5'), record('6')],
    })
    expect(batch.firstOffset()).toBe('5')
    expect(fetchedOffsetOf(batch)).toBe('5')
    const empty = new KafkajsBatch('t', '7', { partition: 0, highWatermark: '7', messages: [] })
    expect(empty.firstOffset()).toBeNull()
    expect(fetchedOffsetOf(empty)).toBe('7')
  })
})

describe('createKafka logging', () => {
  it('replaces kafkajs\'s "limiting retries" warning with one line of ours per client', () => {
    const lines: Line[] = []
    const kafka = createKafka({
      brokers: ['127.0.0.1:1'],
      clientId: 'warning-test',
      logger: recordingLogger(lines),
    })
    const { Partitioners } = loadKafkajs()
    for (let i = 0; i < 6; i++) {
      kafka.producer({
        transactionalId: `t-${i}`,
        idempotent: true,
        maxInFlightRequests: 1,
        retry: { retries: 10 },
        createPartitioner: Partitioners.DefaultPartitioner,
      })
    }
    expect(lines.filter((l) => l.msg?.includes('EoS'))).toEqual([])
    expect(lines.filter((l) => l.level === 'info')).toHaveLength(1)
    expect(lines.find((l) => l.level === 'info')?.msg).toContain('exactly-once holds')
    expect(lines.filter((l) => l.level === 'warn')).toEqual([])
  })

  it("passes kafkajs's other warnings on", () => {
    const lines: Line[] = []
    const kafka = createKafka({
      brokers: ['127.0.0.1:1'],
      clientId: 'other-warning-test',
      logger: recordingLogger(lines),
    })
    const previous = process.env.KAFKAJS_NO_PARTITIONER_WARNING
    delete process.env.KAFKAJS_NO_PARTITIONER_WARNING
    try {
      // No partitioner named: kafkajs warns (once per process) that its default changed in v2.
      kafka.producer()
    } finally {
      if (previous !== undefined) process.env.KAFKAJS_NO_PARTITIONER_WARNING = previous
    }
    expect(lines).toEqual([
      { level: 'warn', msg: expect.stringContaining('switched default partitioner') },
    ])
  })
})
