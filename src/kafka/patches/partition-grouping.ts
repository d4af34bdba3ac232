import { createRequire } from 'node:module'
import { KafkajsPatchError } from './errors.js'

/**
 * kafkajs groups each send's messages by partition with `[...current, message]` per message:
 * quadratic in the messages of one partition. The processor sends a task's records to one
 * partition per topic, up to 1,000 per request, so this grouping was, after the request
 * encoding (./produce-encoding.ts), the largest item of the produce path (a sixth of its CPU).
 * This is the same grouping (same partitioner calls, same order, same result) in linear time.
 *
 * kafkajs's send module binds the grouping function when it loads, which is when kafkajs itself
 * first loads. So the replacement goes into the module cache before that (./index.ts loads
 * kafkajs only after installing this), and installing refuses to run once the send module is
 * loaded: a producer bound to kafkajs's own grouping cannot come out of src/kafka.
 */

const require = createRequire(import.meta.url)
const GROUPING_MODULE = 'kafkajs/src/producer/groupMessagesPerPartition.js'
/** The module that binds the grouping at load (`const groupMessagesPerPartition = require(...)`). */
const SEND_MODULE = 'kafkajs/src/producer/sendMessages.js'

export interface GroupingArgs<M> {
  readonly topic: string
  readonly partitionMetadata: readonly unknown[]
  readonly messages: readonly M[]
  readonly partitioner: (args: {
    topic: string
    partitionMetadata: readonly unknown[]
    message: M
  }) => number
}
export type Grouping = <M>(args: GroupingArgs<M>) => Record<number, M[]>

export const groupMessagesPerPartition: Grouping = ({
  topic,
  partitionMetadata,
  messages,
  partitioner,
}) => {
  if (partitionMetadata.length === 0) return {}
  const result: Record<number, (typeof messages)[number][]> = {}
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message })
    const current = result[partition]
    if (current === undefined) result[partition] = [message]
    else current.push(message)
  }
  return result
}

/** Where the patched function keeps kafkajs's own (Symbol.for: shared by every module instance). */
const KAFKAJS_GROUPING = Symbol.for('profile-unifier/kafkajs-group-messages-per-partition')
type Patched = Grouping & { [KAFKAJS_GROUPING]?: Grouping }

/** kafkajs's own grouping, whether or not it has been replaced. */
export function kafkajsGrouping(): Grouping {
  const current = require(GROUPING_MODULE) as Patched
  return current[KAFKAJS_GROUPING] ?? current
}

/** True once the grouping kafkajs's send module holds (or will hold when it loads) is ours. */
export function partitionGroupingInstalled(): boolean {
  const path = require.resolve(GROUPING_MODULE)
  const cached = require.cache[path]?.exports as Patched | undefined
  return cached?.[KAFKAJS_GROUPING] !== undefined
}

/** Puts the linear grouping in kafkajs's module cache. Idempotent; throws if it is too late. */
export function installPartitionGrouping(): void {
  if (partitionGroupingInstalled()) return
  if (require.cache[require.resolve(SEND_MODULE)] !== undefined) {
    throw new KafkajsPatchError(
      'kafkajs-loaded-first',
      "kafkajs's producer was loaded before src/kafka installed its patches, so its producers " +
        'would group messages with the original (quadratic) code: load kafkajs only through ' +
        'src/kafka (createKafka), never `import ... from "kafkajs"` elsewhere',
    )
  }
  const path = require.resolve(GROUPING_MODULE)
  const original = require(path) as Patched
  const cached = require.cache[path]
  if (cached === undefined) {
    throw new KafkajsPatchError('kafkajs-internals-changed', `${path} is not in the module cache`)
  }
  const patched: Patched = (args) => groupMessagesPerPartition(args)
  patched[KAFKAJS_GROUPING] = original
  cached.exports = patched
}
