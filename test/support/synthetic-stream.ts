/**
 * A seeded, deterministic stream of contact events, shared by bench:core, bench:e2e, bench:rss
 * and the processor integration tests (so it lives with the tests): people with customer ids,
 * emails, phones and loyalty cards reveal them over several events from three channels, so
 * profiles are created, merged into their anchored profile, and now and then a loyalty card
 * changes owner (reassignment). Lazily generated: 10M identifiers never sit in memory at once.
 * Its own PRNG (mulberry32), not bench/gen/prng.ts: the figures docs/benchmarks.md publishes
 * (events and merges per seed) are of this sequence.
 */
import type { ContactEvent, Identifier, InputPosition } from '../../src/core/types.js'

export interface StreamOptions {
  readonly tenant: string
  /** Distinct identifier values to create (about 4 per person). */
  readonly identifiers: number
  readonly seed: number
  /** People interleaved at any time: how far apart one person's events are. */
  readonly concurrentPeople?: number
}

/** mulberry32: a tiny seeded PRNG, good enough to shuffle a benchmark deterministically. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface Person {
  readonly n: number
  readonly anchored: boolean
  step: number
}

const IDS_PER_PERSON = 4
const FIRST_NAMES = ['Ann', 'Bruno', 'Carla', 'Dan', 'Eve', 'Farid', 'Gita', 'Hugo']
const CITIES = ['Paris', 'Lyon', 'Madrid', 'Berlin', 'Porto', 'Milan']

const id = (type: string, value: string): Identifier => ({ type, value })
const customerId = (n: number) => id('customer_id', `C${n}`)
const email = (n: number) => id('email', `user${n}@mailhost.net`)
// A valid E.164 UK mobile number per person (up to 10^8 people), as a CRM would send it.
const phone = (n: number) => id('phone', `+4474${String(n).padStart(8, '0')}`)
const card = (n: number) => id('loyalty_card', `L${n}`)
const device = (n: number) => id('device_id', `d-${n.toString(36)}`)

export interface SyntheticEvent {
  readonly event: ContactEvent
  readonly position: InputPosition
}

export function* syntheticStream(options: StreamOptions): Generator<SyntheticEvent> {
  const random = seededRandom(options.seed)
  const people = Math.max(1, Math.round(options.identifiers / IDS_PER_PERSON))
  const pool: Person[] = []
  const concurrent = options.concurrentPeople ?? 1_000
  let nextPerson = 0
  let sequence = 0
  const startTime = 1_700_000_000_000

  const event = (
    person: Person,
    source: string,
    identifiers: Identifier[],
    attributes: ContactEvent['attributes'],
  ): SyntheticEvent => {
    sequence++
    return {
      event: {
        eventId: `e${sequence}`,
        tenant: options.tenant,
        type: 'identify',
        source,
        timestamp: startTime + sequence * 1000,
        identifiers,
        attributes,
        note: null,
      },
      position: { sequence },
    }
  }

  while (nextPerson < people || pool.length > 0) {
    while (pool.length < concurrent && nextPerson < people) {
      pool.push({ n: nextPerson, anchored: random() < 0.6, step: 0 })
      nextPerson++
    }
    const slot = Math.floor(random() * pool.length)
    const person = pool[slot] as Person
    const n = person.n
    const name = FIRST_NAMES[n % FIRST_NAMES.length] as string
    const city = CITIES[n % CITIES.length] as string
    if (person.anchored) {
      switch (person.step) {
        case 0:
          yield event(person, 'web', [customerId(n), email(n)], { first_name: name })
          break
        case 1:
          yield event(person, 'call_center', [phone(n)], {
            last_order: `O${n}`,
            order_total: n % 500,
          })
          break
        case 2:
          yield event(person, 'store', [card(n)], { city })
          break
        case 3:
          // The customer logs in with everything: the phone and card profiles merge into C<n>.
          yield event(person, 'web', [customerId(n), phone(n), card(n)], {
            newsletter: n % 2 === 0,
          })
          break
        case 4:
          // One in fifty: the card of an earlier person is now used by this customer (reassignment).
          if (n > concurrent && random() < 0.02) {
            yield event(person, 'store', [customerId(n), card(n - concurrent)], { city })
          }
          break
      }
    } else {
      switch (person.step) {
        case 0:
          yield event(person, 'web', [email(n), device(n)], { first_name: name })
          break
        case 1:
          yield event(person, 'call_center', [phone(n), email(n)], { last_order: `O${n}` })
          break
        case 2:
          yield event(person, 'store', [card(n)], { city })
          break
        case 3:
          // The card and the phone meet: the store profile merges into the older web profile.
          yield event(person, 'store', [card(n), phone(n)], { order_total: n % 300 })
          break
      }
    }
    person.step++
    if (person.step > 4) {
      pool[slot] = pool[pool.length - 1] as Person
      pool.pop()
    }
  }
}
