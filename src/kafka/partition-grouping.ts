import { createRequire } from 'node:module'

/**
 * kafkajs groups each send's messages by partition with `[...current, message]` per message:
 * quadratic in the messages of one partition. The processor sends a task's records to one
 * partition per topic, up to 1,000 per request, so this grouping was, after the request
 * encoding (./produce-encoding.ts), the largest item of the produce path (a sixth of its CPU).
 * This is the same grouping (same partitioner calls, same order, same result) in linear time.
 *
 * kafkajs binds the grouping function when its producer module loads, so the replacement must be
 * in the module cache before kafkajs itself is first loaded: this module does it on import, and
 * every src/kafka module that loads kafkajs imports this module first. Where kafkajs was loaded
 * earlier (a caller importing kafkajs before src/kafka), the original stays: slower, same result.
 */

const require = createRequire(import.meta.url)
const GROUPING_MODULE = 'kafkajs/src/producer/groupMessagesPerPartition.js'

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

const KAFKAJS_GROUPING = Symbol.for('profile-unifier/kafkajs-group-messages-per-partition')
type Patched = Grouping & { [KAFKAJS_GROUPING]?: Grouping }

/** kafkajs's own grouping, whether or not it has been replaced. */
export function kafkajsGrouping(): Grouping {
  const current = require(GROUPING_MODULE) as Patched
  return current[KAFKAJS_GROUPING] ?? current
}

function install(): void {
  const path = require.resolve(GROUPING_MODULE)
  const original = require(path) as Patched
  if (original[KAFKAJS_GROUPING] !== undefined) return
  const cached = require.cache[path]
  if (cached === undefined) throw new Error(`kafkajs module ${path} not in the module cache`)
  const patched: Patched = (args) => groupMessagesPerPartition(args)
  patched[KAFKAJS_GROUPING] = original
  cached.exports = patched
}

install()
