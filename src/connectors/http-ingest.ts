/**
 * HTTP ingest (docs/connectors.md): the body of `POST /v1/tenants/{tenant}/events` (one event)
 * or `.../events:batch` (a JSON array, or NDJSON) → validated ContactEvents, or an answer that
 * says what is wrong with which item. All or nothing: one invalid item and nothing is written.
 * Limits as Segment's tracking API: 32 KB per event, 500 KB per request, 2,500 events.
 */
import type { ContactEvent, EventType } from '../core/types.js'
import { InvalidEventError, toContactEvent, type EventInput } from './event-input.js'
import { uuid7 } from './uuid7.js'

export const INGEST_LIMITS = {
  maxRequestBytes: 500 * 1024,
  maxEventBytes: 32 * 1024,
  maxEvents: 2_500,
} as const

/** What is wrong with one item of a request: its index, the field, the reason. */
export interface IngestProblem {
  readonly index: number
  readonly field: string | null
  readonly reason: string
}

export type IngestParse =
  | { readonly ok: true; readonly events: readonly ContactEvent[] }
  | {
      readonly ok: false
      readonly status: 400 | 413
      readonly code: 'invalid-events' | 'too-large'
      readonly message: string
      readonly problems: readonly IngestProblem[]
    }

export interface IngestContext {
  /** The tenant of the URL: an event naming another is refused. */
  readonly tenant: string
  /** The authorising token's source (events are written as it), or null without tokens. */
  readonly source: string | null
  readonly now?: () => number
  readonly eventId?: () => string
}

const EVENT_TYPES: readonly EventType[] = ['identify', 'unlink', 'note', 'forget']

/** The items of a batch body: a JSON array, or NDJSON (one JSON object per line). */
export function batchItems(body: unknown): unknown[] | null {
  if (Array.isArray(body)) return body
  if (typeof body !== 'string') return null
  const items: unknown[] = []
  for (const line of body.split('\n')) {
    if (line.trim() === '') continue
    try {
      items.push(JSON.parse(line))
    } catch {
      items.push(Symbol.for('unparsable'))
    }
  }
  return items
}

/** Validates every item; the events in order, or every problem found. */
export function ingestEvents(items: readonly unknown[], context: IngestContext): IngestParse {
  if (items.length === 0) {
    return refuse(400, 'invalid-events', 'the request holds no event', [])
  }
  if (items.length > INGEST_LIMITS.maxEvents) {
    return refuse(
      413,
      'too-large',
      `${items.length} events; at most ${INGEST_LIMITS.maxEvents} per request`,
      [],
    )
  }
  const events: ContactEvent[] = []
  const problems: IngestProblem[] = []
  const tooLarge: IngestProblem[] = []
  const now = context.now ?? Date.now
  const eventId = context.eventId ?? (() => uuid7())
  items.forEach((item, index) => {
    if (typeof item === 'symbol') {
      problems.push({ index, field: null, reason: 'not JSON' })
      return
    }
    const bytes = Buffer.byteLength(JSON.stringify(item) ?? '')
    if (bytes > INGEST_LIMITS.maxEventBytes) {
      tooLarge.push({
        index,
        field: null,
        reason: `${bytes} bytes; at most ${INGEST_LIMITS.maxEventBytes} per event`,
      })
      return
    }
    const problem = claimProblem(item, context)
    if (problem !== null) {
      problems.push({ index, ...problem })
      return
    }
    const given = item as EventInput & { readonly type?: unknown }
    const type = given.type === undefined ? 'identify' : given.type
    if (!EVENT_TYPES.includes(type as EventType)) {
      problems.push({ index, field: 'type', reason: `one of ${EVENT_TYPES.join(', ')}` })
      return
    }
    try {
      events.push(
        toContactEvent(
          type as EventType,
          {
            ...given,
            tenant: context.tenant,
            source: context.source ?? given.source,
          } as EventInput,
          { eventId, now },
        ),
      )
    } catch (err) {
      if (!(err instanceof InvalidEventError)) throw err
      problems.push({ index, field: err.field, reason: err.problems.join('; ') })
    }
  })
  if (tooLarge.length > 0) {
    return refuse(413, 'too-large', 'events over the size limit', tooLarge)
  }
  if (problems.length > 0) {
    const message = `${problems.length} of ${items.length} events are invalid; nothing was written`
    return refuse(400, 'invalid-events', message, problems)
  }
  return { ok: true, events }
}

/** An event may not name another tenant than the URL's, nor another source than its token's. */
function claimProblem(
  item: unknown,
  context: IngestContext,
): { field: string | null; reason: string } | null {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    return { field: null, reason: 'an event object is expected' }
  }
  const { tenant, source } = item as { tenant?: unknown; source?: unknown }
  if (tenant !== undefined && tenant !== context.tenant) {
    return { field: 'tenant', reason: 'not the tenant of the URL' }
  }
  if (context.source !== null && source !== undefined && source !== context.source) {
    return { field: 'source', reason: `the token writes as source ${context.source}` }
  }
  return null
}

function refuse(
  status: 400 | 413,
  code: 'invalid-events' | 'too-large',
  message: string,
  problems: readonly IngestProblem[],
): IngestParse {
  return { ok: false, status, code, message, problems }
}
