/**
 * The read side with the store's write feed: answers read through a cache of decoded records
 * (and without a snapshot), which every committed batch keeps exact. After a merge, a
 * reassignment or a deletion is applied, a lookup answers the new state, as a read side
 * without a cache does; an answer whose rounds straddle a batch is answered again.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { ProfileReadSide } from '../../../src/api/read-side.js'
import { loadIdentityConfig } from '../../../src/config/identity-config.js'
import { DEFAULT_START } from '../../../src/cli/sample-defaults.js'
import type { IdentityConfig } from '../../../src/core/config.js'
import type { StateRecord } from '../../../src/core/state-records.js'
import type { ContactEvent } from '../../../src/core/types.js'
import type { KeyValueWrite } from '../../../src/ports/key-value-store.js'
import { MemoryStore } from '../../../src/state/memory-store.js'
import { WriteObservedStore } from '../../../src/state/observed-store.js'
import { msgpackCodec } from '../../../src/state/record-codec.js'
import { given, type EventInput, type ResolverDriver } from '../../support/resolver-driver.js'
import { sampleEvents } from './sample-state.js'

const codec = msgpackCodec<StateRecord>()
const LOOKUPS = [
  ['customer_id', 'C1'],
  ['email', 'ann@x.com'],
  ['phone', '+1 212 555 0100'],
  ['loyalty_card', 'L9'],
  ['customer_id', 'C7'],
] as const

let config: IdentityConfig
let events: ContactEvent[]
let driver: ResolverDriver
let store: MemoryStore
let observed: WriteObservedStore
let cached: ProfileReadSide
let uncached: ProfileReadSide
let committed: Map<string, string>

/** Resolves the events and applies the state they changed to the store as one batch. */
async function commit(...sent: Array<ContactEvent | EventInput>): Promise<void> {
  for (const e of sent) await driver.send(e)
  await observed.write(changes())
}

/** The state the driver holds beyond what the store was last given, as one batch. */
function changes(): KeyValueWrite[] {
  const batch: KeyValueWrite[] = []
  const now = new Map<string, string>()
  for (const [key, value] of driver.state.map) {
    const bytes = codec.encode(value)
    const hex = Buffer.from(bytes).toString('hex')
    now.set(key, hex)
    if (committed.get(key) !== hex) batch.push({ key, value: bytes })
  }
  for (const key of committed.keys()) if (!now.has(key)) batch.push({ key, value: null })
  committed = now
  return batch
}

/**
 * Every lookup through both read sides: the cached answers are the uncached ones. Each is
 * asked twice of the cached side (a record is cached the second time it is read).
 */
async function lookAll() {
  const answers = []
  for (const [type, value] of LOOKUPS) {
    await cached.identifier('acme', type, value)
    const got = await cached.identifier('acme', type, value)
    expect(got).toEqual(await uncached.identifier('acme', type, value))
    answers.push(got)
  }
  return answers
}

const profileIdOf = (a: Awaited<ReturnType<ProfileReadSide['identifier']>>) =>
  a.ok ? a.body.profileId : a.code

beforeEach(async () => {
  config = await loadIdentityConfig(DEFAULT_START.config)
  // the spec's worked example: three profiles, a merge of them, a reassignment of L9
  events = (await sampleEvents()).slice(0, 5)
  driver = await given(config)
  store = new MemoryStore()
  observed = new WriteObservedStore(store)
  committed = new Map()
  cached = new ProfileReadSide(config, store, null, null, { feed: observed })
  uncached = new ProfileReadSide(config, store)
})

describe('the read side’s record cache', () => {
  it('answers a merge, a reassignment and a deletion as soon as they are applied', async () => {
    await commit(...events.slice(0, 3))
    const before = await lookAll()
    expect(cached.cachedRecords).toBeGreaterThan(0)
    expect(new Set(before.slice(0, 4).map(profileIdOf)).size).toBe(3) // C1 and email share one

    await commit(events[3] as ContactEvent) // the merge
    const merged = await lookAll()
    const survivor = profileIdOf(merged[0] as (typeof merged)[number])
    expect(merged.slice(0, 4).map(profileIdOf)).toEqual([survivor, survivor, survivor, survivor])

    await commit(events[4] as ContactEvent) // L9 reassigned to C7's new profile
    const moved = await lookAll()
    expect(profileIdOf(moved[3] as (typeof moved)[number])).toBe(
      profileIdOf(moved[4] as (typeof moved)[number]),
    )
    expect(profileIdOf(moved[3] as (typeof moved)[number])).not.toBe(survivor)
    const c1 = moved[0] as (typeof moved)[number]
    expect(c1.ok && c1.body.identifiers.some((i) => i.value === 'L9')).toBe(false)

    await commit({
      eventId: 'forget-c1',
      type: 'forget',
      source: 'crm',
      ids: { customer_id: 'C1' },
    })
    const forgotten = await lookAll()
    expect(forgotten.slice(0, 3).map(profileIdOf)).toEqual(['not-found', 'not-found', 'not-found'])
    expect((await cached.profile('acme', survivor)).ok).toBe(false)
  })

  it('answers again when a batch is applied between the rounds of one answer', async () => {
    await commit(...events.slice(0, 4))
    await driver.send(events[4] as ContactEvent)
    const reassignment = changes()
    // the link of L9 is read before the reassignment is applied, its profile after
    let straddle = true
    const source = {
      getMany: async (keys: readonly string[]) => {
        const values = await store.getMany(keys)
        if (straddle) {
          straddle = false
          await observed.write(reassignment)
        }
        return values
      },
    }
    const side = new ProfileReadSide(config, source, null, null, { feed: observed })
    const l9 = await side.identifier('acme', 'loyalty_card', 'L9')
    expect(l9).toEqual(await uncached.identifier('acme', 'loyalty_card', 'L9'))
    expect(l9.ok && l9.body.identifiers.some((i) => i.value === 'L9')).toBe(true)
  })
})
