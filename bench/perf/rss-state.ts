/**
 * The state half of bench:rss (rss.ts): a processor's state of N identifiers built without pushing
 * N events through Kafka. Each tenant's events are resolved by the batch resolver into a scratch
 * RocksDB store (what the processor's task does, minus Kafka), and every key/value of that store
 * is produced to the tenant's state-changelog partition, keyed and encoded as the task's commit
 * writes them (src/runtime/task.ts): a processor started with an empty state dir restores it.
 */
import type { Producer } from 'kafkajs'
import type { TopicCodec } from '../../src/codecs/topic-codec.js'
import type { Resolver } from '../../src/core/resolver.js'
import type { ContactEvent, Identifier } from '../../src/core/types.js'
import { loadKafkajs } from '../../src/kafka/patches/index.js'
import type { KeyValueStore } from '../../src/ports/key-value-store.js'
import {
  BatchResolver,
  DEFAULT_FLUSH_EVERY,
  resolveAll,
  type ResolveStats,
} from '../../src/runtime/batch-resolver.js'
import type { StatePrefetcher } from '../../src/runtime/state-prefetch.js'
import {
  seededRandom,
  syntheticStream,
  type SyntheticEvent,
} from '../../test/support/synthetic-stream.js'

const { Partitioners } = loadKafkajs()

/**
 * One tenant per input partition, each on a different one, found by the partitioner the
 * producers use (kafkajs's default, murmur2 over the Avro-encoded key): a partition's store
 * then holds one tenant, and the tenant's input offsets are the synthetic stream's positions.
 */
export async function tenantPerPartition(
  codec: TopicCodec,
  topic: string,
  partitions: number,
  prefix: string,
): Promise<Array<{ tenant: string; partition: number }>> {
  const partitioner = Partitioners.DefaultPartitioner()
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: 1,
    replicas: [1],
    isr: [1],
  }))
  const found = new Map<number, string>()
  for (let i = 0; found.size < partitions && i < 10_000; i++) {
    const tenant = `${prefix}${i}`
    const { key } = await codec.encodeContactEvent(probe(tenant))
    const partition = partitioner({ topic, partitionMetadata, message: { key, value: null } })
    if (!found.has(partition)) found.set(partition, tenant)
  }
  if (found.size < partitions) throw new Error('no tenant name found for every partition')
  return [...found].map(([partition, tenant]) => ({ tenant, partition })).sort(byPartition)
}

const byPartition = (a: { partition: number }, b: { partition: number }) =>
  a.partition - b.partition

function probe(tenant: string): ContactEvent {
  return {
    eventId: 'probe',
    tenant,
    type: 'identify',
    source: 'web',
    timestamp: 0,
    identifiers: [],
    attributes: {},
    note: null,
  }
}

/** About four identifiers per person (test/support/synthetic-stream.ts). */
const IDS_PER_PERSON = 4

export interface TenantStream {
  readonly tenant: string
  /** Identifiers in the state built before the run. */
  readonly identifiers: number
  /** New events the run processes for this tenant. */
  readonly newEvents: number
  readonly seed: number
}

/**
 * The person an event belongs to: every event of the synthetic stream lists one of its
 * person's own identifiers first, and every value carries the person's number.
 */
function personOf(event: ContactEvent): number {
  const first = event.identifiers[0] as Identifier
  const digits = first.type === 'phone' ? first.value.slice(5) : /\d+/.exec(first.value)?.[0]
  return Number(digits)
}

/** People in the state: the stream for `identifiers` alone would create this many. */
const statePeople = (identifiers: number) => Math.max(1, Math.round(identifiers / IDS_PER_PERSON))

/**
 * One stream for the state and the new events: people numbered below the state's count go into
 * the state, the later ones are new customers of the run (same tenant, same generator).
 */
function extendedStream(t: TenantStream): Generator<SyntheticEvent> {
  return syntheticStream({
    tenant: t.tenant,
    identifiers: t.identifiers + t.newEvents * IDS_PER_PERSON,
    seed: t.seed,
  })
}

/** The events behind the tenant's state, with their input offsets (0, 1, ...). */
export function* stateEvents(t: TenantStream): Generator<SyntheticEvent> {
  const people = statePeople(t.identifiers)
  let offset = 0
  for (const { event } of extendedStream(t)) {
    if (personOf(event) < people) yield { event, position: { sequence: offset++ } }
  }
}

/**
 * The run's new events for one tenant: half are later events of the synthetic stream (new
 * people, a few touching cards already in the state), half are returning customers: an event
 * naming the email of a random person already in the state, so reads go to the big state.
 */
export function* newEvents(t: TenantStream): Generator<ContactEvent> {
  const people = statePeople(t.identifiers)
  const random = seededRandom(t.seed ^ 0x5eed)
  const later = extendedStream(t)
  let returning = 0
  for (let i = 0; i < t.newEvents; i++) {
    if (i % 2 === 1) {
      const n = Math.floor(random() * people)
      returning++
      yield {
        eventId: `returning-${returning}`,
        tenant: t.tenant,
        type: 'identify',
        source: 'web',
        // After every event of the state (the stream's clock starts at 1.7e12, one event a second).
        timestamp: 1_800_000_000_000 + i * 1000,
        // The synthetic stream's email format (test/support/synthetic-stream.ts).
        identifiers: [{ type: 'email', value: `user${n}@mailhost.net` }],
        attributes: { first_name: 'Returning' },
        note: null,
      }
      continue
    }
    for (;;) {
      const next = later.next()
      if (next.done === true) return
      if (personOf(next.value.event) >= people) {
        yield next.value.event
        break
      }
    }
  }
}

/** Resolves the tenant's state events into `store` the way a partition task would. */
export async function buildState(
  t: TenantStream,
  store: KeyValueStore,
  resolver: Pick<Resolver, 'decide'>,
  prefetch: StatePrefetcher,
  onProgress: (events: number) => void,
): Promise<ResolveStats> {
  const batch = await BatchResolver.open({
    resolver,
    store,
    prefetch,
    flushEvery: DEFAULT_FLUSH_EVERY,
  })
  let reported = 0
  return resolveAll(batch, stateEvents(t), () => {
    if (batch.stats.events - reported < 250_000) return
    reported = batch.stats.events
    onProgress(reported)
  })
}

/**
 * Every key/value of `store` to one state-changelog partition, as the task's commit writes
 * them (key: the state key in UTF-8; value: the stored bytes). Streams the scan into small
 * sends so memory stays bounded whatever the state's size.
 */
export async function produceState(
  store: KeyValueStore,
  producer: Producer,
  topic: string,
  partition: number,
): Promise<{ records: number; bytes: number }> {
  let records = 0
  let bytes = 0
  let messages: Array<{ key: Buffer; value: Buffer; partition: number }> = []
  let pending = 0
  const send = async () => {
    if (messages.length === 0) return
    await producer.send({ topic, acks: -1, messages })
    messages = []
    pending = 0
  }
  for await (const [key, value] of store.scan('')) {
    const v = Buffer.from(value.buffer, value.byteOffset, value.byteLength)
    messages.push({ key: Buffer.from(key, 'utf8'), value: v, partition })
    records++
    bytes += v.length
    pending += v.length + key.length
    // One send is one record batch on one partition: below the broker's 1 MiB message limit.
    if (messages.length >= 5_000 || pending >= 512 * 1024) await send()
  }
  await send()
  return { records, bytes }
}
