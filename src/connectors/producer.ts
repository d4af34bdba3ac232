/**
 * `profile-unifier/producer`: the producer library for TypeScript channel services
 * (docs/producer.md). Events are validated before they are queued, encoded with the registry
 * schemas the processor reads (key = the tenant, so kafkajs's default murmur2 partitioner puts
 * a tenant's events on the partition the processor expects), collected for `lingerMs` and sent
 * in one request by an idempotent producer with acks from every in-sync replica.
 */
import type { ConnectionOptions } from 'node:tls'
import { AvroSchemaRegistry } from '../codecs/registry.js'
import { loadSchemas } from '../codecs/schemas.js'
import { TopicCodec, type EncodedMessage } from '../codecs/topic-codec.js'
import { parseBrokers } from '../config/brokers.js'
import type { ContactEvent, EventType } from '../core/types.js'
import { createKafka, type KafkaClientOptions } from '../kafka/client.js'
import { EventProducer, type KeyedRecord } from '../kafka/event-producer.js'
import type { Logger } from '../ports/logger.js'
import { loadTopology, type Topology } from '../topology/file.js'
import { defaultTopologyFile } from '../topology/package-files.js'
import { KAFKA_DEFAULT_MAX_MESSAGE_BYTES } from '../topology/record-limits.js'
import { toContactEvent, wasValidated, type EventInput } from './event-input.js'
import { uuid7 } from './uuid7.js'

export { InvalidEventError, type EventInput, type IdentifiersInput } from './event-input.js'
export { uuid7 } from './uuid7.js'
export type { ContactEvent, EventType } from '../core/types.js'

export interface ProducerOptions {
  /** `host:port` list, or one string `host:port,host:port` (as KAFKA_BROKERS). */
  readonly brokers: readonly string[] | string
  /** Confluent-compatible schema registry, e.g. http://127.0.0.1:8081/apis/ccompat/v7. */
  readonly registryUrl: string
  /** The input topic's full name; default: the package topology's, with `prefix`. */
  readonly topic?: string
  /** Topic name prefix, as `unifier run --prefix`. */
  readonly prefix?: string
  readonly clientId?: string
  readonly ssl?: boolean | ConnectionOptions
  readonly sasl?: KafkaClientOptions['sasl']
  /** How long a send waits for others to share its request; default 5 ms. */
  readonly lingerMs?: number
  /** A batch this large is sent without waiting for the linger; default 1,000 events. */
  readonly maxBatchEvents?: number
  /** Bytes per produce request (a larger batch goes in several, in order); default 512 KiB. */
  readonly maxRequestBytes?: number
  /** Events queued or in flight before new sends are refused (`buffer-full`); default 100,000. */
  readonly maxBufferedEvents?: number
  /** Largest key + value of one event; default what a topic accepts by Kafka's default. */
  readonly maxEventBytes?: number
  /** Attempts of a failing produce request before its events' promises reject; default 10. */
  readonly retries?: number
  /** kafkajs's warnings and ours; silent when omitted. */
  readonly logger?: Logger
}

/** What a send resolves to once every in-sync replica holds the event. */
export interface SendResult {
  readonly eventId: string
}

export type ProducerFailure =
  /** send after close() began. */
  | 'producer-closed'
  /** maxBufferedEvents are queued or in flight: back off and send again. */
  | 'buffer-full'
  /** The encoded event is larger than the topic accepts. */
  | 'event-too-large'
  /** Kafka did not acknowledge the request after its retries; it may still have been written. */
  | 'send-failed'

export class ProducerError extends Error {
  override readonly name = 'ProducerError'
  readonly retriable: boolean
  constructor(
    readonly code: ProducerFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.retriable = code === 'buffer-full' || code === 'send-failed'
  }
}

export interface Producer {
  /** The input topic events go to. */
  readonly topic: string
  identify(event: EventInput): Promise<SendResult>
  unlink(event: EventInput): Promise<SendResult>
  note(event: EventInput): Promise<SendResult>
  forget(event: EventInput): Promise<SendResult>
  /** Sends an event already in the core's shape (used by the CSV import), validated the same way. */
  send(event: ContactEvent): Promise<SendResult>
  /** Sends what is queued now and waits for every send made before it. */
  flush(): Promise<void>
  /** Flushes, then disconnects; sends after close() began are refused. */
  close(): Promise<void>
}

/** The parts createProducer wires; tests give an in-memory sink. */
export interface ProducerParts {
  readonly encode: (event: ContactEvent) => Promise<EncodedMessage>
  readonly sink: {
    send(topic: string, records: readonly KeyedRecord[]): Promise<void>
    close(): Promise<void>
  }
  readonly topic: string
  readonly newEventId?: () => string
  readonly now?: () => number
}

const DEFAULTS = {
  lingerMs: 5,
  maxBatchEvents: 1_000,
  maxRequestBytes: 512 * 1024,
  maxBufferedEvents: 100_000,
  // a record alone in its batch, with room for the batch's framing
  maxEventBytes: KAFKA_DEFAULT_MAX_MESSAGE_BYTES - 1_024,
} as const

/**
 * Connects to Kafka, registers (or finds) the input topic's key and value schemas, and returns a
 * producer. Registry and broker failures at start reject here, not at the first send.
 */
export async function createProducer(options: ProducerOptions): Promise<Producer> {
  const brokers =
    typeof options.brokers === 'string' ? parseBrokers(options.brokers) : [...options.brokers]
  const loaded = await loadTopology(
    defaultTopologyFile(),
    options.prefix === undefined ? {} : { prefix: options.prefix },
  )
  const input = loaded.byRole['contact-events']
  const spec = options.topic === undefined ? input : { ...input, name: options.topic }
  // Only the input topic's subjects: a producer has no business with the output topics'.
  const topology: Topology = {
    ...loaded,
    topics: [spec],
    byRole: { ...loaded.byRole, 'contact-events': spec },
  }
  const registry = new AvroSchemaRegistry({ url: options.registryUrl })
  const codec = await TopicCodec.start(registry, topology, await loadSchemas())
  const kafka = createKafka({
    brokers,
    clientId: options.clientId ?? 'profile-unifier-producer',
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
    ...(options.sasl === undefined ? {} : { sasl: options.sasl }),
  })
  const sink = await EventProducer.open(
    kafka,
    options.retries === undefined ? {} : { retries: options.retries },
  )
  return producerOver(
    { encode: (e) => codec.encodeContactEvent(e), sink, topic: spec.name },
    options,
  )
}

interface Pending {
  readonly event: ContactEvent
  readonly resolve: (result: SendResult) => void
  readonly reject: (err: unknown) => void
}

/** The batching producer over given parts (createProducer's; tests use an in-memory sink). */
export function producerOver(
  parts: ProducerParts,
  options: Omit<ProducerOptions, 'brokers' | 'registryUrl'> = {},
): Producer {
  const lingerMs = options.lingerMs ?? DEFAULTS.lingerMs
  const maxBatchEvents = options.maxBatchEvents ?? DEFAULTS.maxBatchEvents
  const maxRequestBytes = options.maxRequestBytes ?? DEFAULTS.maxRequestBytes
  const maxBuffered = options.maxBufferedEvents ?? DEFAULTS.maxBufferedEvents
  const maxEventBytes = options.maxEventBytes ?? DEFAULTS.maxEventBytes
  const defaults = { eventId: parts.newEventId ?? uuid7, now: parts.now ?? Date.now }

  let pending: Pending[] = []
  let buffered = 0
  let timer: NodeJS.Timeout | null = null
  // Batches go one after the other: a later send never overtakes an earlier one.
  let chain: Promise<void> = Promise.resolve()
  let closing: Promise<void> | null = null

  const dispatch = (): Promise<void> => {
    if (timer !== null) clearTimeout(timer)
    timer = null
    if (pending.length > 0) {
      const batch = pending
      pending = []
      chain = chain.then(() => sendBatch(batch))
    }
    return chain
  }

  const settle = (p: Pending, outcome: { ok: true } | { ok: false; err: unknown }): void => {
    buffered--
    if (outcome.ok) p.resolve({ eventId: p.event.eventId })
    else p.reject(outcome.err)
  }

  // Never rejects: each event's promise carries its own outcome.
  const sendBatch = async (batch: readonly Pending[]): Promise<void> => {
    const ready: { p: Pending; record: KeyedRecord }[] = []
    for (const p of batch) {
      try {
        const m = await parts.encode(p.event)
        if (m.key === null || m.value === null) throw new Error('the codec gave no key or value')
        const bytes = m.key.length + m.value.length
        if (bytes > maxEventBytes) {
          throw new ProducerError(
            'event-too-large',
            `event ${p.event.eventId} is ${bytes} bytes encoded; the topic accepts ${maxEventBytes}`,
          )
        }
        ready.push({ p, record: { key: m.key, value: m.value } })
      } catch (err) {
        settle(p, { ok: false, err })
      }
    }
    let start = 0
    while (start < ready.length) {
      let end = start
      let bytes = 0
      while (end < ready.length) {
        const { record } = ready[end] as { record: KeyedRecord }
        const size = record.key.length + record.value.length
        if (end > start && bytes + size > maxRequestBytes) break
        bytes += size
        end++
      }
      const chunk = ready.slice(start, end)
      start = end
      try {
        await parts.sink.send(
          parts.topic,
          chunk.map((r) => r.record),
        )
        for (const { p } of chunk) settle(p, { ok: true })
      } catch (cause) {
        const err = new ProducerError(
          'send-failed',
          `Kafka did not acknowledge ${chunk.length} event(s): ${cause instanceof Error ? cause.message : String(cause)}`,
          { cause },
        )
        for (const { p } of chunk) settle(p, { ok: false, err })
      }
    }
  }

  const enqueue = (event: ContactEvent): Promise<SendResult> => {
    if (closing !== null) {
      return Promise.reject(new ProducerError('producer-closed', 'the producer is closed'))
    }
    if (buffered >= maxBuffered) {
      return Promise.reject(
        new ProducerError('buffer-full', `${buffered} events are queued or in flight; retry later`),
      )
    }
    buffered++
    const result = new Promise<SendResult>((resolve, reject) =>
      pending.push({ event, resolve, reject }),
    )
    if (pending.length >= maxBatchEvents) void dispatch()
    else timer ??= setTimeout(() => void dispatch(), lingerMs)
    return result
  }

  const sendAs = (type: EventType) => (input: EventInput) => {
    try {
      return enqueue(toContactEvent(type, input, defaults))
    } catch (err) {
      return Promise.reject(err)
    }
  }

  return {
    topic: parts.topic,
    identify: sendAs('identify'),
    unlink: sendAs('unlink'),
    note: sendAs('note'),
    forget: sendAs('forget'),
    send: (event) => {
      if (wasValidated(event)) return enqueue(event)
      const { type, ...input } = event
      return sendAs(type)(input)
    },
    flush: () => dispatch(),
    close: () =>
      (closing ??= (async () => {
        await dispatch()
        await parts.sink.close()
      })()),
  }
}
