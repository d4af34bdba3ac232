import { describe, expect, it } from 'vitest'
import { loadIdentityConfig } from '../../../src/config/identity-config.js'
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

async function runAll(options: { flushEvery: number; prefetch: boolean; store?: CountingStore }) {
  const store = options.store ?? new CountingStore()
  const batch = await BatchResolver.open({
    resolver: createResolver(config),
    store,
    flushEvery: options.flushEvery,
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

  it('remembers the last input sequence with the state, for the next run to continue after', async () => {
    const { store } = await runAll({ flushEvery: 7, prefetch: false })
    const reopened = await BatchResolver.open({ resolver: createResolver(config), store })
    expect(reopened.storedSequence).toBe(30)
  })
})
