import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  InvalidEventError,
  ProducerError,
  producerOver,
  type ProducerParts,
} from '../../../src/connectors/producer.js'
import { toContactEvent } from '../../../src/connectors/event-input.js'
import type { ContactEvent } from '../../../src/core/types.js'
import type { KeyedRecord } from '../../../src/kafka/event-producer.js'

/** An in-memory sink: each send is one "request"; the JSON of the event is the value. */
function memoryParts(overrides: Partial<ProducerParts> = {}) {
  const requests: ContactEvent[][] = []
  let fail: Error | null = null
  let ids = 0
  const parts: ProducerParts = {
    topic: 'contact-events',
    encode: async (event) => ({
      topic: 'contact-events',
      key: Buffer.from(event.tenant),
      value: Buffer.from(JSON.stringify(event)),
    }),
    sink: {
      async send(_topic: string, records: readonly KeyedRecord[]) {
        if (fail !== null) throw fail
        requests.push(records.map((r) => JSON.parse(r.value.toString()) as ContactEvent))
      },
      async close() {},
    },
    newEventId: () => `id-${++ids}`,
    now: () => 1_000,
    ...overrides,
  }
  return {
    parts,
    requests,
    failWith: (err: Error | null) => {
      fail = err
    },
  }
}

const ann = { tenant: 'acme', source: 'web', identifiers: { customer_id: 'C1' } }

afterEach(() => vi.useRealTimers())

describe('producer library: events', () => {
  it('sends the event the processor reads, with a generated eventId and the clock as time', async () => {
    const { parts, requests } = memoryParts()
    const producer = producerOver(parts)
    const result = await producer.identify({
      ...ann,
      identifiers: { customer_id: 'C1', email: ['a@x.com', 'b@x.com'] },
      attributes: { points: 40 },
    })
    expect(result).toEqual({ eventId: 'id-1' })
    expect(requests).toEqual([
      [
        {
          eventId: 'id-1',
          tenant: 'acme',
          type: 'identify',
          source: 'web',
          timestamp: 1_000,
          identifiers: [
            { type: 'customer_id', value: 'C1' },
            { type: 'email', value: 'a@x.com' },
            { type: 'email', value: 'b@x.com' },
          ],
          attributes: { points: 40 },
          note: null,
        },
      ],
    ])
  })

  it('takes a Date, epoch millis or an ISO string as timestamp, and the caller’s eventId', async () => {
    const { parts, requests } = memoryParts()
    const producer = producerOver(parts)
    const at = Date.parse('2024-05-01T09:00:00Z')
    await Promise.all([
      producer.unlink({ ...ann, eventId: 'e1', timestamp: new Date(at) }),
      producer.note({ ...ann, eventId: 'e2', timestamp: at, note: 'called about an order' }),
      producer.forget({ ...ann, eventId: 'e3', timestamp: '2024-05-01T09:00:00Z' }),
    ])
    expect(requests.flat().map((e) => [e.eventId, e.type, e.timestamp, e.note])).toEqual([
      ['e1', 'unlink', at, null],
      ['e2', 'note', at, 'called about an order'],
      ['e3', 'forget', at, null],
    ])
  })

  it.each([
    [{ ...ann, tenant: '' }, 'tenant'],
    [{ ...ann, source: undefined }, 'source'],
    [{ ...ann, identifiers: {} }, 'identifiers'],
    [{ ...ann, identifiers: [{ type: 'email' }] }, 'identifiers.0.value'],
    [{ ...ann, timestamp: 'yesterday' }, 'timestamp'],
    [{ ...ann, timestamp: new Date('nope') }, 'timestamp'],
    [{ ...ann, timestamp: 8_640_000_000_000_001 }, 'timestamp'],
    [{ ...ann, timestamp: 1.5 }, 'timestamp'],
    [{ ...ann, attributes: { points: { n: 1 } } }, 'attributes.points'],
    [{ ...ann, attributes: { points: Number.NaN } }, 'attributes.points'],
    [{ ...ann, userId: 'C1' }, '(event)'],
    [{ ...ann, type: 'forget' }, 'type'],
  ])('refuses %j naming the field %s, and sends nothing', async (input, field) => {
    const { parts, requests } = memoryParts()
    const producer = producerOver(parts)
    const sent = producer.identify(input as never)
    await expect(sent).rejects.toBeInstanceOf(InvalidEventError)
    await expect(sent).rejects.toMatchObject({ code: 'invalid-event', field })
    await producer.flush()
    expect(requests).toEqual([])
  })

  it('refuses a note without its text', async () => {
    const producer = producerOver(memoryParts().parts)
    await expect(producer.note(ann)).rejects.toMatchObject({ field: 'note' })
  })
})

describe('producer library: batching', () => {
  it('sends what arrives within the linger in one request, in call order', async () => {
    const { parts, requests } = memoryParts()
    const producer = producerOver(parts, { lingerMs: 20 })
    const sends = Array.from({ length: 50 }, (_, i) =>
      producer.identify({ ...ann, eventId: `e${i}` }),
    )
    await Promise.all(sends)
    expect(requests).toHaveLength(1)
    expect(requests[0]?.map((e) => e.eventId)).toEqual(sends.map((_, i) => `e${i}`))
  })

  it('waits for the linger before sending, and flush() sends at once', async () => {
    vi.useFakeTimers()
    const { parts, requests } = memoryParts()
    const producer = producerOver(parts, { lingerMs: 1_000 })
    const sent = producer.identify(ann)
    await vi.advanceTimersByTimeAsync(999)
    expect(requests).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(1)
    await sent
    expect(requests).toHaveLength(1)
    const second = producer.identify(ann)
    await producer.flush()
    expect(requests).toHaveLength(2)
    await second
  })

  it('sends a full batch without waiting, and splits a request by bytes keeping order', async () => {
    vi.useFakeTimers()
    const { parts, requests } = memoryParts()
    const producer = producerOver(parts, {
      lingerMs: 60_000,
      maxBatchEvents: 10,
      maxRequestBytes: 1_000,
    })
    const sends = Array.from({ length: 10 }, (_, i) =>
      producer.identify({ ...ann, eventId: `e${i}`, attributes: { first_name: 'x'.repeat(300) } }),
    )
    await Promise.all(sends)
    expect(requests.length).toBeGreaterThan(1)
    expect(requests.flat().map((e) => e.eventId)).toEqual(sends.map((_, i) => `e${i}`))
  })

  it('rejects the events of a request Kafka did not acknowledge, retriably, and goes on', async () => {
    const { parts, requests, failWith } = memoryParts()
    const producer = producerOver(parts, { lingerMs: 0 })
    failWith(new Error('broker down'))
    const lost = producer.identify(ann)
    await expect(lost).rejects.toBeInstanceOf(ProducerError)
    await expect(lost).rejects.toMatchObject({ code: 'send-failed', retriable: true })
    failWith(null)
    await producer.identify(ann)
    expect(requests).toHaveLength(1)
  })

  it('refuses an event larger than the topic accepts, and sends the others', async () => {
    const { parts, requests } = memoryParts()
    const producer = producerOver(parts, { maxEventBytes: 500 })
    const big = producer.identify({ ...ann, attributes: { first_name: 'x'.repeat(600) } })
    const small = producer.identify(ann)
    await expect(big).rejects.toMatchObject({ code: 'event-too-large' })
    await small
    expect(requests.flat()).toHaveLength(1)
  })

  it('refuses sends past maxBufferedEvents until earlier ones are acknowledged', async () => {
    const { parts } = memoryParts()
    const producer = producerOver(parts, { maxBufferedEvents: 2 })
    const first = [producer.identify(ann), producer.identify(ann)]
    await expect(producer.identify(ann)).rejects.toMatchObject({
      code: 'buffer-full',
      retriable: true,
    })
    await Promise.all(first)
    await expect(producer.identify(ann)).resolves.toBeDefined()
  })

  it('close() sends what is queued, then refuses new sends', async () => {
    vi.useFakeTimers()
    const { parts, requests } = memoryParts()
    let closed = false
    const producer = producerOver(
      { ...parts, sink: { send: parts.sink.send, close: async () => void (closed = true) } },
      { lingerMs: 60_000 },
    )
    const queued = producer.identify(ann)
    await producer.close()
    await queued
    expect(requests).toHaveLength(1)
    expect(closed).toBe(true)
    await expect(producer.identify(ann)).rejects.toMatchObject({ code: 'producer-closed' })
  })
})

describe('producer library: send(ContactEvent)', () => {
  it('validates an event it did not validate itself, and sends a validated one as it is', async () => {
    const { parts, requests } = memoryParts()
    const producer = producerOver(parts, { lingerMs: 1 })
    const handMade = {
      eventId: 'x-1',
      tenant: 'acme',
      source: 'web',
      type: 'identify',
      timestamp: 1.5,
      identifiers: [{ type: 'customer_id', value: 'C1' }],
      attributes: {},
      note: null,
    } as ContactEvent
    await expect(producer.send(handMade)).rejects.toBeInstanceOf(InvalidEventError)
    const validated = toContactEvent('identify', ann, { eventId: () => 'v-1', now: () => 5 })
    await producer.send(validated)
    expect(requests.flat()).toEqual([validated])
  })
})
