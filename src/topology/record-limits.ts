/**
 * What a topic accepts when neither it nor the broker says otherwise: Kafka's default
 * `max.message.bytes` (the broker's `message.max.bytes`).
 */
export const KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588

/**
 * `max.message.bytes` bounds a whole record batch: a record alone in its batch must leave room
 * for the batch header (61 bytes) and its own framing, headers included.
 */
const FRAMING_BYTES = 1_024

/**
 * The largest key + value a record may have on each topic, from its `max.message.bytes` (as the
 * cluster reports it, or as topology/topics.yaml sets it) or Kafka's default. The processor
 * checks every output against it before sending, so an oversized record is dead-lettered
 * instead of aborting its transaction again and again.
 */
export function recordLimits(
  topics: Iterable<{
    readonly name: string
    readonly configs: Readonly<Record<string, string | null>>
  }>,
): (topic: string) => number {
  const limits = new Map<string, number>()
  for (const topic of topics) {
    const configured = Number(topic.configs['max.message.bytes'])
    const max =
      Number.isInteger(configured) && configured > 0 ? configured : KAFKA_DEFAULT_MAX_MESSAGE_BYTES
    limits.set(topic.name, max - FRAMING_BYTES)
  }
  return (topic) => limits.get(topic) ?? KAFKA_DEFAULT_MAX_MESSAGE_BYTES - FRAMING_BYTES
}
