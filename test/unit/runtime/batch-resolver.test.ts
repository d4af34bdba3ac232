import { describe, expect, it } from 'vitest'
import { loadIdentityConfig } from '../../../src/config/identity-config.js'
import { profileKey } from '../../../src/core/keys.js'
import { firstCandidateId } from '../../../src/core/read-rounds.js'
import { createResolver } from '../../../src/core/resolver.js'
import type { ContactEvent } from '../../../src/core/types.js'
import type { KeyValueWrite } from '../../../src/ports/key-value-store.js'
import {
  BatchResolver,
  resolveAll,
  type ResolverInput,
} from '../../../src/runtime/batch-resolver.js'
import { createStatePrefetcher } from '../../../src/runtime/state-prefetch.js'
import { MemoryStore } from '../../../src/state/memory-store.js'
import { join } from 'node:path'

const config = await loadIdentityConfig(
  join(import.meta.dirname, '..', 'cli', 'fixtures', 'identity.yaml'),
)

class CountingStore extends MemoryStore {
  reads = 0
  readonly batches: KeyValueWrite[][] = []
  override getMany(keys: readonly string[]) {
    this.reads++
    return super.getMany(keys)
  }
  override getManySync(keys: readonly string[]) {
    this.reads++
    return super.getManySync(keys)
  }
  override write(batch: readonly KeyValueWrite[]) {
    this.batches.push([...batch])
    return super.write(batch)
  }
}

/** People sending overlapping identifiers, so later events depend on earlier writes. */
function stream(count: number): ResolverInput[] {
  return Array.from({ length: count }, (_, i) => {
    const person = Math.floor(i / 3)
    const identifiers = [
      [
        { type: 'customer_id', value: `C${person}` },
        { type: 'email', value: `p${person}@mail.org` },
      ],
      [{ type: 'device_id', value: `d${person}` }],
      [
        { type: 'email', value: `p${person}@mail.org` },
        { type: 'device_id', value: `d${person}` },
      ],
    ][i % 3] as ContactEvent['identifiers']
    const event: ContactEvent = {
      eventId: `e${i}`,
      tenant: 'acme',
      type: 'identify',
      source: 'web',
      timestamp: 1_700_000_000_000 + i,
      identifiers,
      attributes: {},
      note: null,
    }
    return { event, position: { sequence: i + 1 } }
  })
}

const SEQUENCE_KEY = '\u0000sequence'

async function runAll(options: { flushEvery: number; prefetch: boolean; store?: CountingStore }) {
  const store = options.store ?? new CountingStore()
  const batch = await BatchResolver.open({
    resolver: createResolver(config),
    store,
    flushEvery: options.flushEvery,
    sequenceKey: SEQUENCE_KEY,
    ...(options.prefetch ? { prefetch: createStatePrefetcher(config) } : {}),
  })
  const outputs: unknown[] = []
  const stats = await resolveAll(
    batch,
    stream(30),
    (_input, decision) => void outputs.push(decision.outputs),
  )
  return { store, stats, outputs, batch }
}

describe('BatchResolver', () => {
  it('writes to the store once per flushEvery events, each flush one batch', async () => {
    const { store, stats } = await runAll({ flushEvery: 10, prefetch: false })
    expect(stats.events).toBe(30)
    expect(store.batches).toHaveLength(3)
    expect(stats.flushes).toBe(3)
  })

  it('decides the same with any batch size: later events see earlier unflushed writes', async () => {
    const perEvent = await runAll({ flushEvery: 1, prefetch: false })
    const oneBatch = await runAll({ flushEvery: 1000, prefetch: false })
    expect(oneBatch.outputs).toEqual(perEvent.outputs)
    expect(oneBatch.stats.merges).toBe(10)
  })

  it('decides the same with prefetching, in fewer store round trips', async () => {
    const plain = await runAll({ flushEvery: 10, prefetch: false })
    const prefetched = await runAll({ flushEvery: 10, prefetch: true })
    expect(prefetched.outputs).toEqual(plain.outputs)
    expect(prefetched.store.reads).toBeLessThan(plain.store.reads)
  })

  it('on cold state, prefetches the roots behind merged-away profile ids instead of reading each alone', async () => {
    // stream(): each person's device profile is merged into their customer profile, so the
    // device link names a profile id that is now a pointer to the root
    const { store } = await runAll({ flushEvery: 10, prefetch: true })
    const later: ResolverInput[] = Array.from({ length: 10 }, (_, p) => ({
      event: {
        eventId: `later-${p}`,
        tenant: 'acme',
        type: 'identify',
        source: 'store',
        timestamp: 1_800_000_000_000 + p,
        identifiers: [{ type: 'device_id', value: `d${p}` }],
        attributes: {},
        note: null,
      },
      position: { sequence: 1000 + p },
    }))
    const cold = await BatchResolver.open({
      resolver: createResolver(config),
      store,
      flushEvery: 1000,
      prefetch: createStatePrefetcher(config),
    })
    store.reads = 0
    const profiles: Array<string | null> = []
    await cold.processWindow(
      later,
      (_input, decision) => void profiles.push(decision.outcome.profileId),
    )
    // first keys, the profiles behind the links, their roots: three rounds for the whole window
    expect(store.reads).toBe(3)
    expect(profiles.every((id) => id !== null)).toBe(true)
    expect(cold.stats.merges).toBe(0)
  })

  it('reads a new profile id ahead only for the events whose links show they create one', async () => {
    const { store } = await runAll({ flushEvery: 10, prefetch: true })
    const identify = (
      eventId: string,
      identifiers: ContactEvent['identifiers'],
    ): ResolverInput => ({
      event: {
        eventId,
        tenant: 'acme',
        type: 'identify',
        source: 'store',
        timestamp: 1_800_000_000_000,
        identifiers,
        attributes: {},
        note: null,
      },
      position: { sequence: 2000 },
    })
    const window = [
      identify('known-device', [{ type: 'device_id', value: 'd1' }]),
      identify('new-device', [{ type: 'device_id', value: 'd-new' }]),
      // the anchor decides: a new customer id creates a profile even with a known email
      identify('new-anchor', [
        { type: 'customer_id', value: 'C-new' },
        { type: 'email', value: 'p2@mail.org' },
      ]),
    ]
    const keysRead: string[] = []
    const recording = Object.assign(Object.create(store) as CountingStore, {
      getManySync: undefined,
      getMany: (keys: readonly string[]) => {
        keysRead.push(...keys)
        return store.getMany(keys)
      },
    })
    const cold = await BatchResolver.open({
      resolver: createResolver(config),
      store: recording,
      prefetch: createStatePrefetcher(config),
    })
    const profiles: Array<string | null> = []
    await cold.processWindow(window, (_i, d) => void profiles.push(d.outcome.profileId))
    const candidate = (eventId: string) => profileKey('acme', firstCandidateId('acme', eventId))
    expect(keysRead).not.toContain(candidate('known-device'))
    expect(keysRead).toContain(candidate('new-device'))
    expect(keysRead).toContain(candidate('new-anchor'))
    expect(profiles.slice(1)).toEqual([
      firstCandidateId('acme', 'new-device'),
      firstCandidateId('acme', 'new-anchor'),
    ])
    // all in the prefetch's rounds (first keys, profiles and new ids, roots): none per event
    expect(cold.storeReads).toBe(3)
  })

  it('remembers the last input sequence with the state, for the next run to continue after', async () => {
    const { store } = await runAll({ flushEvery: 7, prefetch: false })
    const reopened = await BatchResolver.open({
      resolver: createResolver(config),
      store,
      sequenceKey: SEQUENCE_KEY,
    })
    expect(reopened.storedSequence).toBe(30)
  })

  it('hands sealed writes over encoded, keeps them readable, and stores nothing until they are persisted', async () => {
    const store = new CountingStore()
    const batch = await BatchResolver.open({ resolver: createResolver(config), store })
    const events = [...stream(6)]
    await batch.processWindow(events.slice(0, 3))
    const sealed = batch.seal()
    expect(sealed.writes.length).toBeGreaterThan(0)
    expect(sealed.writes.every((w) => w.value === null || w.bytes !== null)).toBe(true)
    expect(store.batches).toHaveLength(0)
    // events decided before the persist see the sealed writes (same outcome as one pass)
    const outcomes: unknown[] = []
    await batch.processWindow(events.slice(3), (_i, d) => void outcomes.push(d.outcome))
    await sealed.persist([{ key: SEQUENCE_KEY, value: new TextEncoder().encode('x') }])
    expect(store.batches).toHaveLength(1)
    expect(store.batches[0]?.map((w) => w.key)).toEqual([
      SEQUENCE_KEY,
      ...sealed.writes.map((w) => w.key),
    ])
    const onePass = await BatchResolver.open({
      resolver: createResolver(config),
      store: new CountingStore(),
    })
    const expected: unknown[] = []
    await onePass.processWindow(events.slice(0, 3))
    await onePass.processWindow(events.slice(3), (_i, d) => void expected.push(d.outcome))
    expect(outcomes).toEqual(expected)
  })
})
