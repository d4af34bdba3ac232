/**
 * One record read from an input topic (Kafka or the embedded log): where it came from and its
 * raw bytes. Dead letters carry all of it, so a poison record can be found and replayed.
 */
export interface InputRecord {
  readonly topic: string
  readonly partition: number
  /** Decimal string, as Kafka offsets travel in kafkajs. */
  readonly offset: string
  /** The record's log timestamp (epoch ms): a dead letter's time, so replays match byte for byte. */
  readonly timestamp: number
  readonly key: Buffer | null
  readonly value: Buffer | null
}
