/**
 * Shared by the processor-*.int.test.ts files: a topology under a unique prefix, events
 * produced as the channels would, read_committed read-back to the end of a topic, and the
 * resolver run once over the same input for comparison.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { expect } from 'vitest'
import type { Admin, Kafka } from 'kafkajs'
import { AvroSchemaRegistry } from '../../src/codecs/registry.js'
import { profileSnapshotFromAvro } from '../../src/codecs/records.js'
import { loadSchemas } from '../../src/codecs/schemas.js'
import { TopicCodec } from '../../src/codecs/topic-codec.js'
import { topicSubjects } from '../../src/codecs/topic-schemas.js'
import { parseAppConfig, type AppConfig } from '../../src/config/app-config.js'
import { loadIdentityConfig } from '../../src/config/identity-config.js'
import { createResolver, type StateRecord } from '../../src/core/resolver.js'
import type { ContactEvent, OutputRecord, ProfileSnapshot } from '../../src/core/types.js'
import { KafkaTopicAdmin } from '../../src/kafka/admin.js'
import { createKafka } from '../../src/kafka/client.js'
import { BatchResolver } from '../../src/runtime/batch-resolver.js'
import { MemoryStore } from '../../src/state/memory-store.js'
import { loadTopology, type Topology } from '../../src/topology/file.js'
import { defaultTopologyFile, packageRoot } from '../../src/topology/package-files.js'
import { seededRandom, syntheticStream } from '../support/synthetic-stream.js'
import { kafkaBrokers, schemaRegistryUrl, uniqueName } from '../setup/kafka-kit.js'

export const SAMPLE_IDENTITY = join(packageRoot(), 'samples', 'identity.yaml')

export interface TestRecord {
  readonly partition: number
  readonly offset: string
  readonly key: Buffer | null
  readonly value: Buffer | null
}

export interface ProcessorEnv {
  readonly kafka: Kafka
  readonly admin: Admin
  readonly topology: Topology
  readonly codec: TopicCodec
  readonly stateDir: string
  readonly prefix: string
  topic(role: keyof Topology['byRole']): string
  config(overrides?: Record<string, unknown>): AppConfig
  produce(events: readonly ContactEvent[]): Promise<void>
  produceRaw(records: ReadonlyArray<{ key: Buffer | null; value: Buffer | null }>): Promise<void>
  /** Every committed record of the topic, read to the end (read_committed). */
  readAll(topic: string): Promise<TestRecord[]>
  cleanup(): Promise<void>
}

export async function processorEnv(partitions: number): Promise<ProcessorEnv> {
  const kafka = createKafka({ clientId: uniqueName('proc-test'), brokers: kafkaBrokers() })
  const admin = kafka.admin()
  await admin.connect()
  const prefix = `${uniqueName('proc')}.`
  const loaded = await loadTopology(defaultTopologyFile(), { prefix })
  const topology: Topology = {
    ...loaded,
    topics: loaded.topics.map((t) => ({ ...t, partitions })),
    byRole: Object.fromEntries(
      Object.entries(loaded.byRole).map(([role, t]) => [role, { ...t, partitions }]),
    ) as Topology['byRole'],
  }
  const topicAdmin = new KafkaTopicAdmin(kafka)
  await topicAdmin.createTopics(topology.topics)
  const registry = new AvroSchemaRegistry({ url: schemaRegistryUrl() })
  const codec = await TopicCodec.start(registry, topology, await loadSchemas())
  const stateDir = await mkdtemp(join(tmpdir(), 'unifier-proc-'))
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()

  const readAll = async (topic: string): Promise<TestRecord[]> => {
    const ends = await admin.fetchTopicOffsets(topic)
    const pending = new Map(
      ends.filter((e) => BigInt(e.high) > BigInt(e.low)).map((e) => [e.partition, BigInt(e.high)]),
    )
    const records: TestRecord[] = []
    if (pending.size === 0) return records
    const consumer = kafka.consumer({
      groupId: `read-${randomUUID()}`,
      readUncommitted: false,
      maxWaitTimeInMs: 100,
    })
    let wake: () => void = () => undefined
    const done = new Promise<void>((resolve) => (wake = resolve))
    const reached = (partition: number, last: string): void => {
      const end = pending.get(partition)
      if (end !== undefined && BigInt(last) >= end - 1n) pending.delete(partition)
      if (pending.size === 0) wake()
    }
    consumer.on(consumer.events.START_BATCH_PROCESS, ({ payload }) => {
      if (payload.batchSize === 0) reached(payload.partition, payload.lastOffset)
    })
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: true })
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          records.push({ partition: batch.partition, offset: m.offset, key: m.key, value: m.value })
        }
        reached(batch.partition, batch.lastOffset())
      },
    })
    const timeout = setTimeout(() => wake(), 60_000)
    await done
    clearTimeout(timeout)
    await consumer.disconnect()
    if (pending.size > 0) {
      throw new Error(`could not read ${topic} to its end: partitions ${[...pending.keys()]}`)
    }
    return records.sort(
      (a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)),
    )
  }

  return {
    kafka,
    admin,
    topology,
    codec,
    stateDir,
    prefix,
    topic: (role) => topology.byRole[role].name,
    config: (overrides = {}) =>
      parseAppConfig(
        {
          kafka: { brokers: kafkaBrokers(), sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1_000 },
          registry: { url: schemaRegistryUrl() },
          topics: { prefix },
          groupId: `${prefix}group`,
          stateDir,
          identityConfig: SAMPLE_IDENTITY,
          commitIntervalMs: 100,
          http: { enabled: false },
          logLevel: 'warn',
        },
        {},
        overrides,
      ),
    async produce(events) {
      const messages = await Promise.all(events.map((e) => codec.encodeContactEvent(e)))
      await producer.send({
        topic: topology.byRole['contact-events'].name,
        acks: -1,
        messages: messages.map((m) => ({ key: m.key, value: m.value })),
      })
    },
    async produceRaw(records) {
      await producer.send({
        topic: topology.byRole['contact-events'].name,
        acks: -1,
        messages: records.map((r) => ({ key: r.key, value: r.value })),
      })
    },
    readAll,
    async cleanup() {
      await producer.disconnect()
      await topicAdmin.deleteTopics(topology.topics.map((t) => t.name))
      await topicAdmin.close()
      await admin.disconnect()
      for (const { subject } of topicSubjects(topology)) {
        await registry.deleteSubject(subject).catch(() => undefined)
      }
      await rm(stateDir, { recursive: true, force: true })
    },
  }
}

/** Polls `read` until `ready` holds or the deadline passes; returns the last read. */
export async function waitFor<T>(
  read: () => Promise<T>,
  ready: (value: T) => boolean,
  timeoutMs = 90_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (ready(value) || Date.now() > deadline) return value
    await new Promise((r) => setTimeout(r, 500))
  }
}

/** Latest value per changelog key: the current profiles (tombstoned ones removed). */
export async function currentProfiles(
  env: ProcessorEnv,
  records: readonly TestRecord[],
): Promise<Map<string, ProfileSnapshot>> {
  const latest = new Map<string, ProfileSnapshot | null>()
  for (const r of records) {
    if (r.key === null) continue
    const key = (await env.codec.decode('profile-changelog', 'key', r.key)) as {
      tenant: string
      profileId: string
    }
    const id = `${key.tenant}/${key.profileId}`
    latest.set(
      id,
      r.value === null
        ? null
        : profileSnapshotFromAvro(await env.codec.decode('profile-changelog', 'value', r.value)),
    )
  }
  const live = new Map<string, ProfileSnapshot>()
  for (const [id, p] of latest) if (p !== null) live.set(id, p)
  return live
}

/**
 * The reference: the resolver over the input as committed, each partition in offset order,
 * in memory, in one pass. Returns every output and the final profiles.
 */
export async function onePass(
  env: ProcessorEnv,
): Promise<{ outputs: OutputRecord[]; profiles: Map<string, ProfileSnapshot> }> {
  const input = await env.readAll(env.topic('contact-events'))
  const identity = await loadIdentityConfig(SAMPLE_IDENTITY)
  const outputs: OutputRecord[] = []
  const byPartition = new Map<number, TestRecord[]>()
  for (const r of input) {
    const list = byPartition.get(r.partition) ?? []
    list.push(r)
    byPartition.set(r.partition, list)
  }
  for (const records of byPartition.values()) {
    const resolver = await BatchResolver.open({
      resolver: createResolver(identity),
      store: new MemoryStore(),
    })
    for (const r of records) {
      let event: ContactEvent
      try {
        event = await env.codec.decodeContactEvent(r.value)
      } catch {
        continue
      }
      const decision = await resolver.process(event, { sequence: Number(r.offset) })
      outputs.push(...decision.outputs)
    }
  }
  const latest = new Map<string, ProfileSnapshot | null>()
  for (const o of outputs)
    if (o.kind === 'profile') latest.set(`${o.tenant}/${o.profileId}`, o.profile)
  const profiles = new Map<string, ProfileSnapshot>()
  for (const [id, p] of latest) if (p !== null) profiles.set(id, p)
  return { outputs, profiles }
}

export type { StateRecord }

/** Several tenants' synthetic streams (../support/synthetic-stream.ts), interleaved by seed. */
export function generatedEvents(
  tenants: number,
  identifiersPerTenant: number,
  seed: number,
): ContactEvent[] {
  const streams = Array.from({ length: tenants }, (_, t) =>
    syntheticStream({
      tenant: `tenant-${t}`,
      identifiers: identifiersPerTenant,
      seed: seed + t,
      concurrentPeople: 50,
    }),
  )
  const random = seededRandom(seed)
  const events: ContactEvent[] = []
  const live = [...streams]
  while (live.length > 0) {
    const i = Math.floor(random() * live.length)
    const next = (live[i] as Generator<{ event: ContactEvent }>).next()
    if (next.done === true) live.splice(i, 1)
    else events.push(next.value.event)
  }
  return events
}

/** Produces in chunks (one request per chunk). */
export async function produceAll(
  env: ProcessorEnv,
  events: readonly ContactEvent[],
): Promise<void> {
  for (let i = 0; i < events.length; i += 500) await env.produce(events.slice(i, i + 500))
}

/**
 * Waits until the group's committed offsets reach the end of every input partition, seen twice
 * in a row with the same ends. Routed records make this subtle: a task's transaction commits its
 * input offsets and the records it routed to another input partition together, but the broker
 * writes the commit markers to each partition (and to the group's offsets) one after the other.
 * So the offsets are read before the ends (a commit seen in the offsets has its routed records
 * counted in ends read later, once their markers land) and a caught-up state must hold on the
 * next poll too, which leaves the markers of the last commit time to land everywhere, outputs
 * included.
 */
export async function waitCaughtUp(
  env: ProcessorEnv,
  groupId: string,
  timeoutMs = 120_000,
): Promise<boolean> {
  const topic = env.topic('contact-events')
  let previousEnds = ''
  const caughtUp = async (): Promise<boolean> => {
    const [committed] = await env.admin.fetchOffsets({ groupId, topics: [topic] })
    const ends = await env.admin.fetchTopicOffsets(topic)
    let behind = 0
    for (const end of ends) {
      const c = committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1'
      const at = c === '-1' ? BigInt(end.low) : BigInt(c)
      if (at < BigInt(end.high)) behind += Number(BigInt(end.high) - at)
    }
    const endsNow = ends
      .map((e) => `${e.partition}:${e.high}`)
      .sort()
      .join(',')
    const settled = behind === 0 && endsNow === previousEnds
    previousEnds = behind === 0 ? endsNow : ''
    return settled
  }
  return await waitFor(caughtUp, (settled) => settled, timeoutMs)
}

/**
 * Output counts by kind, from the committed output topics. The profile changelog is not
 * counted: coalesced per commit, its size depends on where the commits fell
 * (expectChangelogOfOnePass checks it).
 */
export async function committedCounts(env: ProcessorEnv): Promise<Record<string, number>> {
  const roles = ['profile-merged', 'link-reassigned', 'merge-refused', 'dead-letter'] as const
  const counts: Record<string, number> = {}
  for (const role of roles) counts[role] = (await env.readAll(env.topic(role))).length
  return counts
}

/** The same counts from a one-pass resolve. */
export function expectedCounts(outputs: readonly OutputRecord[]): Record<string, number> {
  const count = (kind: OutputRecord['kind']) => outputs.filter((o) => o.kind === kind).length
  return {
    'profile-merged': count('merged'),
    'link-reassigned': count('reassigned'),
    'merge-refused': count('merge-refused'),
    'dead-letter': count('dead-letter'),
  }
}

/** A JSON form with sorted keys: the same profile decoded from Avro or made by the core. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  )
}

/**
 * The committed profile changelog against a one-pass resolve's per-change records (spec,
 * "Outputs": within one commit the processor may keep only a profile's last state). Per key:
 * `every-change`, exactly the one pass's records; `coalesced`, states the one pass reached, in
 * its order, none twice (a commit redone after a crash would repeat one), ending on its final
 * state or tombstone.
 */
export async function expectChangelogOfOnePass(
  env: ProcessorEnv,
  records: readonly TestRecord[],
  outputs: readonly OutputRecord[],
  mode: 'coalesced' | 'every-change' = 'coalesced',
): Promise<void> {
  const want = new Map<string, string[]>()
  for (const o of outputs) {
    if (o.kind !== 'profile') continue
    const key = `${o.tenant}/${o.profileId}`
    want.set(key, [...(want.get(key) ?? []), canonical(o.profile)])
  }
  const got = new Map<string, string[]>()
  for (const r of records) {
    if (r.key === null) continue
    const { tenant, profileId } = (await env.codec.decode('profile-changelog', 'key', r.key)) as {
      tenant: string
      profileId: string
    }
    const value =
      r.value === null
        ? null
        : profileSnapshotFromAvro(await env.codec.decode('profile-changelog', 'value', r.value))
    const key = `${tenant}/${profileId}`
    got.set(key, [...(got.get(key) ?? []), canonical(value)])
  }
  expect([...got.keys()].sort()).toEqual([...want.keys()].sort())
  const problems: string[] = []
  for (const [key, states] of want) {
    const seen = got.get(key) ?? []
    if (mode === 'every-change') {
      if (canonical(seen) !== canonical(states))
        problems.push(`${key}: ${seen.length} records, one pass ${states.length}`)
      continue
    }
    if (!isSubsequence(seen, states))
      problems.push(`${key}: a state the one pass did not reach there, or one written twice`)
    else if (seen.at(-1) !== states.at(-1)) problems.push(`${key}: not the one pass's last state`)
  }
  expect(problems).toEqual([])
}

function isSubsequence(seen: readonly string[], states: readonly string[]): boolean {
  let at = 0
  for (const s of seen) {
    while (at < states.length && states[at] !== s) at++
    if (at === states.length) return false
    at++
  }
  return true
}

/**
 * For tests where a tenant's events reach the processor in an order other than offsets (routed
 * by another partitioner): the committed live profiles equal a one-pass resolve of `events` in
 * the order given, compared by what a profile is (tenant, anchor, identifiers, attributes), not
 * by ids and sequence numbers; and no anchor is held by two live profiles (no split tenant).
 */
export async function expectProfilesOfOnePass(
  env: ProcessorEnv,
  events: readonly ContactEvent[],
): Promise<void> {
  const resolver = await BatchResolver.open({
    resolver: createResolver(await loadIdentityConfig(SAMPLE_IDENTITY)),
    store: new MemoryStore(),
  })
  const expected = new Map<string, ProfileSnapshot>()
  for (const [i, event] of events.entries()) {
    for (const o of (await resolver.process(event, { sequence: i + 1 })).outputs) {
      if (o.kind !== 'profile') continue
      if (o.profile === null) expected.delete(`${o.tenant}/${o.profileId}`)
      else expected.set(`${o.tenant}/${o.profileId}`, o.profile)
    }
  }
  const live = await currentProfiles(env, await env.readAll(env.topic('profile-changelog')))
  const anchors = [...live.values()]
    .filter((p) => p.anchor !== null)
    .map((p) => `${p.tenant}/${p.anchor?.value}`)
  expect(new Set(anchors).size).toBe(anchors.length)
  expect([...live.values()].map(shapeOf).sort()).toEqual([...expected.values()].map(shapeOf).sort())
}

function shapeOf(p: ProfileSnapshot): string {
  return JSON.stringify({
    tenant: p.tenant,
    anchor: p.anchor,
    identifiers: [...p.identifiers].sort((a, b) =>
      `${a.type}:${a.value}`.localeCompare(`${b.type}:${b.value}`),
    ),
    attributes: p.attributes,
  })
}

/** The sum of a counter's series in a Prometheus registry's text. */
export function counterTotal(text: string, name: string): number {
  return [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'gm'))]
    .map((m) => Number(m[1]))
    .reduce((a, b) => a + b, 0)
}
