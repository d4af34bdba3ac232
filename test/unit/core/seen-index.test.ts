import { describe, expect, it } from 'vitest'
import { stateKeys } from '../../../src/core/resolver.js'
import type { StateRecord } from '../../../src/core/state-records.js'
import { MapState, ResolverDriver, type EventInput } from '../../support/resolver-driver.js'
import { identityConfig, tenantConfig } from './identity-fixture.js'

// Rule 9 keeps no record per event: the ring records are the window's only state, and each
// resolver answers from an in-memory eventId → slot index derived from them. The index is a
// cache: whatever happened to state behind its back (a restore, an aborted transaction, a
// rebalance to another process and back), the answers are those state gives.

const config = identityConfig(tenantConfig({ idempotenceWindow: 100 }))

/** Event n, the same content every time it is sent (unless `extra` changes it). */
function ev(n: number, extra: Partial<EventInput> = {}): EventInput {
  return {
    eventId: `e${n}`,
    timestamp: 1_700_000_000_000 + n * 1000,
    ids: { email: `p${n % 7}@x.com` },
    attributes: { points: n },
    ...extra,
  }
}

async function driverWith(events: readonly EventInput[]): Promise<ResolverDriver> {
  const d = new ResolverDriver(config)
  await d.sendAll(events)
  return d
}

/** Another process takes the partition over: it restores the state the first one left. */
function handOver(from: ResolverDriver, to: ResolverDriver): void {
  to.state.map.clear()
  for (const [key, record] of from.state.map) to.state.map.set(key, record)
}

/**
 * Decides events as a transaction that then aborts: each sees the ones before (pending writes
 * of the batch), and none reaches the driver's state.
 */
async function abortedTransaction(d: ResolverDriver, events: readonly EventInput[]): Promise<void> {
  const pending = new MapState()
  for (const [key, record] of d.state.map) pending.map.set(key, record)
  for (const [i, input] of events.entries()) {
    const decision = await d.resolver.decide(d.event(input), { sequence: 10_000 + i }, pending)
    expect(decision.outcome.status).toBe('applied')
    pending.apply(decision)
  }
}

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i)

async function status(d: ResolverDriver, input: EventInput): Promise<string> {
  const { outcome } = await d.send(input)
  return outcome.conflictingDuplicate ? 'conflicting' : outcome.status
}

describe('rule 9: the in-memory index is derived from the ring records', () => {
  it('after a restore (a new process over the same state), the window is known exactly', async () => {
    const a = await driverWith(range(1, 150).map((n) => ev(n)))
    const b = new ResolverDriver(config)
    handOver(a, b)
    expect(await status(b, ev(51))).toBe('duplicate')
    expect(await status(b, ev(150, { attributes: { points: 0 } }))).toBe('conflicting')
    expect(await status(b, ev(50))).toBe('applied') // evicted: processed again
    // the window moved on by one event (e50): e51 is now the oldest remembered, e52 still in
    expect(await status(b, ev(52))).toBe('duplicate')
  })

  it('after an aborted transaction, the aborted events are new and the committed ones duplicates', async () => {
    const d = await driverWith(range(1, 10).map((n) => ev(n)))
    await abortedTransaction(
      d,
      range(11, 14).map((n) => ev(n)),
    )
    expect(await status(d, ev(11))).toBe('applied')
    expect(await status(d, ev(12))).toBe('applied')
    expect(await status(d, ev(3))).toBe('duplicate')
    expect(await status(d, ev(12))).toBe('duplicate')
  })

  it('after an aborted transaction that went round the ring, the evicted eventIds are still duplicates', async () => {
    const d = new ResolverDriver(identityConfig(tenantConfig({ idempotenceWindow: 5 })))
    await d.sendAll(range(1, 5).map((n) => ev(n)))
    // the aborted events took every slot, evicting e1..e5 (in memory only)
    await abortedTransaction(
      d,
      range(6, 10).map((n) => ev(n)),
    )
    expect(await status(d, ev(2))).toBe('duplicate')
    expect(await status(d, ev(6))).toBe('applied')
    expect(await status(d, ev(1))).toBe('applied') // evicted by e6, committed this time
  })

  it('after a rebalance to another process and back, what the other one applied is known', async () => {
    const a = await driverWith(range(1, 20).map((n) => ev(n)))
    const b = new ResolverDriver(config)
    handOver(a, b)
    await b.sendAll(range(21, 30).map((n) => ev(n)))
    handOver(b, a)
    expect(await status(a, ev(25))).toBe('duplicate')
    expect(await status(a, ev(30, { note: 'other' }))).toBe('conflicting')
    expect(await status(a, ev(5))).toBe('duplicate')
    expect(await status(a, ev(31))).toBe('applied')
  })

  it('a state with the same applied count but other events is not mistaken for the known one', async () => {
    const a = await driverWith(range(1, 5).map((n) => ev(n)))
    const b = await driverWith(range(101, 105).map((n) => ev(n)))
    handOver(b, a) // a's index was advanced to 5 applied events too, but they were e1..e5
    expect(await status(a, ev(103))).toBe('duplicate')
    expect(await status(a, ev(3))).toBe('applied')
  })

  it('a ring record changed behind the index (the eventId left) is not a false duplicate', async () => {
    const d = await driverWith(range(1, 3).map((n) => ev(n)))
    const key = stateKeys.seenRingKey('acme', 0)
    const ring = d.state.map.get(key)
    if (ring?.type !== 'seen-ring') throw new Error('no ring record')
    d.state.map.set(key, { ...ring, eventIds: ['x1', 'e2', 'e3'] })
    expect(await status(d, ev(1))).toBe('applied')
    // the hit's check rebuilt the index from the ring records (x1 kept e1's content hash)
    expect(await status(d, { eventId: 'x1', ids: { email: 'p1@x.com' } })).toBe('conflicting')
  })

  it('eviction: each of more than a window of events is remembered exactly while in the window', async () => {
    const d = new ResolverDriver(identityConfig(tenantConfig({ idempotenceWindow: 70 })))
    for (const n of range(1, 200)) {
      expect(await status(d, ev(n))).toBe('applied')
      // the oldest eventId still in the window, and the newest one out of it
      if (n > 70) expect(await status(d, ev(n - 69))).toBe('duplicate')
    }
    expect(await status(d, ev(130))).toBe('applied')
    expect(await status(d, ev(200))).toBe('duplicate')
  })
})

describe('rule 9: state written with a `seen` marker per event (before rings kept hashes)', () => {
  /** Rewrites the driver's state as the earlier layout had it: markers, rings without hashes. */
  function toLegacyLayout(d: ResolverDriver, keepContent = true): void {
    for (const [key, record] of [...d.state.map]) {
      if (record.type !== 'seen-ring') continue
      const parsed = stateKeys.parseKey(key)
      if (parsed?.kind !== 'seen-ring') continue
      record.eventIds.forEach((eventId, i) => {
        const content = record.contents?.[i]
        const mark: StateRecord = {
          type: 'seen',
          slot: parsed.chunk * stateKeys.RING_CHUNK + i,
          ...(keepContent && typeof content === 'number' ? { content } : {}),
        }
        d.state.map.set(stateKeys.seenKey(parsed.tenant, eventId), mark)
      })
      d.state.map.set(key, { type: 'seen-ring', eventIds: record.eventIds })
    }
  }

  it('its eventIds are still duplicates, conflicting ones told apart by the marker', async () => {
    const a = await driverWith(range(1, 10).map((n) => ev(n)))
    const b = new ResolverDriver(config)
    handOver(a, b)
    toLegacyLayout(b)
    expect(await status(b, ev(4))).toBe('duplicate')
    expect(await status(b, ev(5, { attributes: { points: 0 } }))).toBe('conflicting')
    expect(await status(b, ev(11))).toBe('applied')
    expect(b.state.map.has(stateKeys.seenKey('acme', 'e11'))).toBe(false)
  })

  it('a marker without a content hash makes a plain duplicate', async () => {
    const d = await driverWith(range(1, 3).map((n) => ev(n)))
    toLegacyLayout(d, false)
    expect(await status(d, ev(2, { attributes: { points: 0 } }))).toBe('duplicate')
  })

  it('a marker is deleted when its slot is reused; none is left after the ring wraps', async () => {
    const d = new ResolverDriver(identityConfig(tenantConfig({ idempotenceWindow: 70 })))
    await d.sendAll(range(1, 70).map((n) => ev(n)))
    toLegacyLayout(d)
    const marks = (): number =>
      [...d.state.map.keys()].filter((k) => stateKeys.parseKey(k)?.kind === 'seen').length
    expect(marks()).toBe(70)
    const r = await d.send(ev(71))
    expect(r.writes).toContainEqual({ key: stateKeys.seenKey('acme', 'e1'), value: null })
    expect(marks()).toBe(69)
    await d.sendAll(range(72, 140).map((n) => ev(n)))
    expect(marks()).toBe(0)
    // slots written with hashes evict without tombstones
    const next = await d.send(ev(141))
    expect(next.writes.filter((w) => w.value === null)).toEqual([])
  })
})
