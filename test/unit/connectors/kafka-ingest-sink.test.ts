/**
 * The IngestSink of `unifier ingest` over the producer library, behind the real API server
 * (fastify inject): 202 only once Kafka acknowledged every event of the request; a request past
 * the bound on events in flight is refused whole with 503 and Retry-After, nothing of it sent;
 * a send Kafka did not acknowledge is a retriable 503, never a 202.
 */
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { buildApiServer } from '../../../src/api/server.js'
import {
  IngestMetrics,
  ProducerIngestSink,
  producerBufferFor,
} from '../../../src/connectors/kafka-ingest-sink.js'
import { producerOver } from '../../../src/connectors/producer.js'
import type { ContactEvent } from '../../../src/core/types.js'
import type { KeyedRecord } from '../../../src/kafka/event-producer.js'

/** A Kafka stand-in whose produce requests wait until the test acknowledges or fails them. */
function heldKafka() {
  const requests: Array<{
    events: ContactEvent[]
    ack: () => void
    fail: (err: Error) => void
  }> = []
  let arrived: () => void = () => undefined
  const sink = {
    send: (_topic: string, records: readonly KeyedRecord[]) =>
      new Promise<void>((ack, fail) => {
        requests.push({
          events: records.map((r) => JSON.parse(r.value.toString()) as ContactEvent),
          ack,
          fail,
        })
        arrived()
      }),
    close: async () => undefined,
  }
  const nextRequest = () =>
    new Promise<void>((resolve) => {
      arrived = resolve
    })
  return { sink, requests, nextRequest }
}

let app: FastifyInstance | null = null
afterEach(async () => {
  await app?.close()
  app = null
})

async function serve(maxInFlightEvents: number) {
  const kafka = heldKafka()
  const bounds = { maxInFlightEvents, maxInFlightBytes: 1 << 30, retryAfterSeconds: 2 }
  const producer = producerOver(
    {
      topic: 'contact-events',
      encode: async (e) => ({
        topic: 'contact-events',
        key: Buffer.from(e.tenant),
        value: Buffer.from(JSON.stringify(e)),
      }),
      sink: kafka.sink,
    },
    { lingerMs: 1, maxBufferedEvents: producerBufferFor(bounds, 2_500) },
  )
  const metrics: IngestMetrics = new IngestMetrics(() => sink.inFlight())
  const sink: ProducerIngestSink = new ProducerIngestSink(producer, bounds, metrics)
  app = await buildApiServer({
    health: () => ({ status: 'running', generation: 0, partitions: [] }),
    metrics: metrics.registry,
    ingest: () => sink,
  })
  return { kafka, sink, app }
}

const events = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({
    eventId: `e-${from + i}`,
    source: 'web',
    identifiers: { customer_id: `C${from + i}` },
    timestamp: '2024-05-01T09:00:00Z',
  }))

const batch = (server: FastifyInstance, items: unknown[]) =>
  server.inject({ method: 'POST', url: '/v1/tenants/acme/events:batch', payload: items as never })

describe('unifier ingest: the Kafka sink', () => {
  it('answers 202 only once Kafka acknowledged every event of the request', async () => {
    const { kafka, app } = await serve(1_000)
    const arrived = kafka.nextRequest()
    let answered = false
    const answer = batch(app, events(3)).then((r) => {
      answered = true
      return r
    })
    await arrived
    expect(kafka.requests[0]?.events.map((e) => e.eventId)).toEqual(['e-0', 'e-1', 'e-2'])
    await new Promise((r) => setTimeout(r, 20))
    expect(answered).toBe(false)
    kafka.requests[0]?.ack()
    const r = await answer
    expect(r.statusCode).toBe(202)
    expect(r.json()).toEqual({ accepted: 3, eventIds: ['e-0', 'e-1', 'e-2'] })
  })

  it('refuses a request past the bound of events in flight with 503 and Retry-After, sending none of it', async () => {
    const { kafka, sink, app } = await serve(4)
    const arrived = kafka.nextRequest()
    const first = batch(app, events(3))
    await arrived
    expect(sink.inFlight().events).toBe(3)
    const refused = await batch(app, events(2, 10))
    expect(refused.statusCode).toBe(503)
    expect(refused.headers['retry-after']).toBe('2')
    expect(refused.json().error.code).toBe('unavailable')
    // one more fits the bound
    const next = kafka.nextRequest()
    const fits = batch(app, events(1, 20))
    kafka.requests[0]?.ack()
    expect((await first).statusCode).toBe(202)
    await next
    kafka.requests[1]?.ack()
    expect((await fits).statusCode).toBe(202)
    const sent = kafka.requests.flatMap((q) => q.events.map((e) => e.eventId))
    expect(sent).toEqual(['e-0', 'e-1', 'e-2', 'e-20'])
    expect(sink.inFlight()).toEqual({ events: 0, bytes: 0 })
    // with nothing in flight, a request larger than the bound on its own is taken
    const big = batch(app, events(6, 30))
    await new Promise((r) => setTimeout(r, 20))
    for (const q of kafka.requests.slice(2)) q.ack()
    expect((await big).statusCode).toBe(202)
  })

  it('answers a send Kafka did not acknowledge with a retriable 503, and frees its room', async () => {
    const { kafka, sink, app } = await serve(1_000)
    const arrived = kafka.nextRequest()
    const answer = batch(app, events(2))
    await arrived
    kafka.requests[0]?.fail(new Error('broker unreachable'))
    const r = await answer
    expect(r.statusCode).toBe(503)
    expect(r.headers['retry-after']).toBe('2')
    expect(r.json().error.message).toContain('not acknowledged by Kafka')
    expect(sink.inFlight()).toEqual({ events: 0, bytes: 0 })
  })

  it('counts events by outcome in /metrics', async () => {
    const { kafka, app } = await serve(1)
    const arrived = kafka.nextRequest()
    const first = batch(app, events(1))
    await arrived
    expect((await batch(app, events(2, 5))).statusCode).toBe(503)
    kafka.requests[0]?.ack()
    expect((await first).statusCode).toBe(202)
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body
    expect(text).toContain('unifier_ingest_events_total{outcome="accepted"} 1')
    expect(text).toContain('unifier_ingest_events_total{outcome="busy"} 2')
    expect(text).toContain('unifier_ingest_in_flight_events 0')
  })
})
