/**
 * The Profile API's read side in Kafka mode (issue: Profile API, point 1): a replica follows the
 * processor's state changelog (read_committed, every partition) into its own RocksDB store and
 * answers with the core's own lookups: what the processor has committed, and its lag.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startKafkaApp, type KafkaApp } from '../../src/cli/kafka-app.js'
import { loadIdentityConfig } from '../../src/config/identity-config.js'
import { createResolver } from '../../src/core/resolver.js'
import type { ContactEvent } from '../../src/core/types.js'
import { kafkaChangelogFollower } from '../../src/kafka/changelog-follower.js'
import { StateReplica } from '../../src/runtime/state-replica.js'
import { WriteBackOverlay } from '../../src/state/write-back-overlay.js'
import { ReadCache } from '../../src/state/read-cache.js'
import { msgpackCodec } from '../../src/state/record-codec.js'
import { RocksDbStore } from '../../src/state/rocksdb-store.js'
import type { StateRecord } from '../../src/core/resolver.js'
import {
  SAMPLE_IDENTITY,
  processorEnv,
  waitCaughtUp,
  waitFor,
  type ProcessorEnv,
} from './processor-harness.js'

const base = Date.parse('2024-05-01T09:00:00Z')
const event = (n: number, source: string, ids: Record<string, string>): ContactEvent => ({
  eventId: `we-${n}`,
  tenant: 'acme',
  type: 'identify',
  source,
  timestamp: base + n * 60_000,
  identifiers: Object.entries(ids).map(([type, value]) => ({ type, value })),
  attributes: {},
  note: null,
})

// the spec's worked example
const events: ContactEvent[] = [
  event(1, 'web', { customer_id: 'C1', email: 'ann@x.com' }),
  event(2, 'call_center', { phone: '+1 212 555 0100' }),
  event(3, 'store', { loyalty_card: 'L9' }),
  event(4, 'web', { customer_id: 'C1', phone: '(212) 555-0100', loyalty_card: 'L9' }),
  event(5, 'store', { customer_id: 'C7', loyalty_card: 'L9' }),
]

const PARTITIONS = 3
let env: ProcessorEnv
let app: KafkaApp | null = null
let replica: StateReplica | null = null
let store: RocksDbStore | null = null
let dir: string

beforeAll(async () => {
  env = await processorEnv(PARTITIONS)
  dir = await mkdtemp(join(tmpdir(), 'unifier-replica-'))
})

afterAll(async () => {
  await replica?.stop()
  await store?.close()
  await app?.processor.stop()
  await env?.cleanup()
  await rm(dir, { recursive: true, force: true })
})

describe('a state replica over the state changelog', () => {
  it("answers the worked example's lookups as the processor committed them, and reports no lag once caught up", async () => {
    await env.produce(events)
    const config = env.config()
    app = await startKafkaApp(config, pino({ level: 'silent' }))
    expect(await waitCaughtUp(env, config.groupId, 60_000)).toBe(true)

    store = await RocksDbStore.open(join(dir, 'replica'))
    replica = await StateReplica.start({
      store,
      partitions: PARTITIONS,
      follow: kafkaChangelogFollower({
        kafka: env.kafka,
        topic: env.topic('state-changelog'),
        partitions: PARTITIONS,
        groupPrefix: `${env.prefix}api`,
      }),
    })
    const ends = await env.admin.fetchTopicOffsets(env.topic('state-changelog'))
    const caughtUp = (lag: ReturnType<StateReplica['lag']>) =>
      ends.every((e) => {
        const p = lag[e.partition]
        return BigInt(e.high) === 0n || (p?.behind === 0 && BigInt(p.next) >= BigInt(e.high))
      })
    const lag = await waitFor(async () => (replica as StateReplica).lag(), caughtUp, 30_000)
    expect(caughtUp(lag)).toBe(true)
    expect(lag.some((p) => p.lastAppliedAgeMs !== null)).toBe(true)

    const resolver = createResolver(await loadIdentityConfig(SAMPLE_IDENTITY))
    const state = new WriteBackOverlay(store, msgpackCodec<StateRecord>(), new ReadCache(100))
    // the replica may still be applying the last fetch: poll the answer
    const byEmail = await waitFor(
      () => resolver.lookupIdentifier('acme', { type: 'email', value: 'ann@x.com' }, state),
      (found) => found !== null && found.profile.identifiers.length === 3,
      30_000,
    )
    expect(byEmail?.profile.anchor?.value).toBe('C1')
    expect(byEmail?.profile.identifiers.map((i) => i.type).sort()).toEqual([
      'customer_id',
      'email',
      'phone',
    ])
    const byCard = await resolver.lookupIdentifier(
      'acme',
      { type: 'loyalty_card', value: 'L9' },
      state,
    )
    expect(byCard?.profile.anchor?.value).toBe('C7')
  })
})
