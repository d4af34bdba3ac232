/**
 * The processor's Kafka log refuses to open on topics it cannot run on, with a typed,
 * non-retriable error (the runtime retries everything else as "Kafka unreachable").
 */
import { describe, expect, it } from 'vitest'
import { ProcessorTopicsError } from '../../src/kafka/errors.js'
import { openKafkaProcessorLog } from '../../src/kafka/processor-ports.js'
import type { Logger } from '../../src/ports/logger.js'
import { testKafka, uniqueName, useTestTopics } from '../setup/kafka-kit.js'

const kafka = testKafka('processor-topics')
const topics = useTestTopics(kafka)
const silent: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silent,
}

const open = (inputTopic: string, stateTopic: string, outputTopics: string[] = []) =>
  openKafkaProcessorLog({
    kafka,
    groupId: uniqueName('processor-topics'),
    inputTopic,
    stateTopic,
    outputTopics,
    logger: silent,
    sessionTimeoutMs: 10_000,
    heartbeatIntervalMs: 1_000,
    transactionTimeoutMs: 10_000,
    maxBytesPerPartition: 1_048_576,
    partitionsConsumedConcurrently: 1,
  })

describe('opening the processor log', () => {
  it('refuses a missing topic with code topic-missing', async () => {
    const [input, state] = await topics.create(['events', 'state'])
    const missing = uniqueName('missing')
    await expect(open(input as string, state as string, [missing])).rejects.toSatisfy(
      (err) =>
        err instanceof ProcessorTopicsError && err.code === 'topic-missing' && !err.retriable,
    )
  })

  it('refuses a state changelog with other partitions than the input: topics-not-copartitioned', async () => {
    const [input] = await topics.create(['events'], { numPartitions: 2 })
    const [state] = await topics.create(['state'], { numPartitions: 3 })
    await expect(open(input as string, state as string)).rejects.toSatisfy(
      (err) => err instanceof ProcessorTopicsError && err.code === 'topics-not-copartitioned',
    )
  })
})
