/**
 * The IngestSink of `unifier ingest` (docs/connectors.md): the HTTP ingest routes' events go
 * through the producer library (idempotent, acks from every in-sync replica, keyed by tenant).
 * `append` resolves only once Kafka acknowledged every event of the request, so the server's
 * 202 means the log holds them all.
 *
 * Backpressure: events admitted and not yet acknowledged (or failed) are counted, and their
 * bytes. A request is admitted whole or refused whole, before anything of it is queued: past
 * `maxInFlightEvents` or `maxInFlightBytes` it is refused with IngestBusyError (503 with
 * Retry-After), so a slow or unreachable broker shows as refusals instead of a growing heap.
 * A request larger than a bound on its own is admitted when nothing is in flight, so no
 * request the ingest limits allow can be refused for ever.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import { IngestBusyError, type IngestSink } from '../api/server.js'
import type { ContactEvent } from '../core/types.js'
import { ProducerError, type Producer } from './producer.js'

export interface IngestBounds {
  /** Events admitted and not yet acknowledged by Kafka, at most. */
  readonly maxInFlightEvents: number
  /** Their bytes (approximately, as JSON), at most. */
  readonly maxInFlightBytes: number
  /** The Retry-After of a refusal, in seconds. */
  readonly retryAfterSeconds: number
}

export const DEFAULT_INGEST_BOUNDS: IngestBounds = {
  maxInFlightEvents: 50_000,
  maxInFlightBytes: 64 * 1024 * 1024,
  retryAfterSeconds: 1,
}

/** The producer's own buffer must hold whatever the sink admits (it never refuses a part). */
export function producerBufferFor(bounds: IngestBounds, maxRequestEvents: number): number {
  return bounds.maxInFlightEvents + maxRequestEvents
}

export type IngestOutcome = 'accepted' | 'busy' | 'failed'

/** Prometheus metrics of `unifier ingest`: events by outcome, what is in flight now. */
export class IngestMetrics {
  readonly registry = new Registry()
  private readonly events: Counter<'outcome'>

  constructor(inFlight: () => { readonly events: number; readonly bytes: number }) {
    collectDefaultMetrics({ register: this.registry, prefix: 'unifier_' })
    this.events = new Counter({
      name: 'unifier_ingest_events_total',
      help: 'Events of ingest requests: accepted (Kafka acknowledged), busy (refused, 503), failed (not acknowledged)',
      labelNames: ['outcome'],
      registers: [this.registry],
    })
    new Gauge({
      name: 'unifier_ingest_in_flight_events',
      help: 'Events admitted and not yet acknowledged by Kafka',
      registers: [this.registry],
      collect() {
        this.set(inFlight().events)
      },
    })
    new Gauge({
      name: 'unifier_ingest_in_flight_bytes',
      help: 'Bytes (as JSON) of the events in flight',
      registers: [this.registry],
      collect() {
        this.set(inFlight().bytes)
      },
    })
  }

  count(outcome: IngestOutcome, events: number): void {
    this.events.inc({ outcome }, events)
  }
}

export class ProducerIngestSink implements IngestSink {
  private events = 0
  private bytes = 0

  constructor(
    private readonly producer: Pick<Producer, 'send'>,
    private readonly bounds: IngestBounds = DEFAULT_INGEST_BOUNDS,
    private readonly metrics: Pick<IngestMetrics, 'count'> | null = null,
  ) {}

  inFlight(): { readonly events: number; readonly bytes: number } {
    return { events: this.events, bytes: this.bytes }
  }

  async append(events: readonly ContactEvent[]): Promise<void> {
    let bytes = 0
    for (const e of events) bytes += approximateBytes(e)
    const { maxInFlightEvents, maxInFlightBytes, retryAfterSeconds } = this.bounds
    if (
      this.events > 0 &&
      (this.events + events.length > maxInFlightEvents || this.bytes + bytes > maxInFlightBytes)
    ) {
      this.metrics?.count('busy', events.length)
      throw new IngestBusyError(
        retryAfterSeconds,
        `${this.events} events (${this.bytes} bytes) are on their way to Kafka; retry later`,
      )
    }
    this.events += events.length
    this.bytes += bytes
    let outcomes: PromiseSettledResult<unknown>[]
    try {
      outcomes = await Promise.allSettled(events.map((e) => this.producer.send(e)))
    } finally {
      this.events -= events.length
      this.bytes -= bytes
    }
    const failed = outcomes.filter((o) => o.status === 'rejected')
    if (failed.length === 0) {
      this.metrics?.count('accepted', events.length)
      return
    }
    this.metrics?.count('failed', events.length)
    const reason = (failed[0] as PromiseRejectedResult).reason as unknown
    // Kafka did not acknowledge (or the producer is closing): some events may be written, and
    // sending them again with the same eventIds is harmless (rule 9): a retriable 503.
    if (reason instanceof ProducerError && reason.code !== 'event-too-large') {
      throw new IngestBusyError(
        retryAfterSeconds,
        `${failed.length} of ${events.length} events were not acknowledged by Kafka (${reason.code}); send the request again`,
      )
    }
    throw reason
  }
}

/** About the event's size as JSON, without making the JSON (its strings and some framing). */
export function approximateBytes(event: ContactEvent): number {
  let bytes = 64 + event.eventId.length + event.tenant.length + event.source.length
  for (const i of event.identifiers) bytes += 24 + i.type.length + i.value.length
  for (const [name, value] of Object.entries(event.attributes))
    bytes += 8 + name.length + (typeof value === 'string' ? value.length : 16)
  return bytes + (event.note?.length ?? 0)
}
