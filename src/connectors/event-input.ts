import type { z } from 'zod'
import { contactEventLine } from '../codecs/event-line.js'
import type { ContactEvent, EventType, RawAttributeValue } from '../core/types.js'

/**
 * The plain objects a channel service hands the producer library. The same conveniences as an
 * NDJSON event line (src/codecs/event-line.ts), whose validation this reuses: identifiers as a list
 * of {type, value} or a map {type: value | [values]}, a timestamp as a Date, epoch milliseconds
 * or an ISO-8601 string. `type` comes from the method called (identify, unlink, note, forget).
 */
export type IdentifierValue = string | number

export type IdentifiersInput =
  | Readonly<Record<string, IdentifierValue | readonly IdentifierValue[]>>
  | ReadonlyArray<{ readonly type: string; readonly value: IdentifierValue }>

export interface EventInput {
  readonly tenant: string
  /** The channel sending it (web, call_center, store, crm, ...). */
  readonly source: string
  readonly identifiers: IdentifiersInput
  readonly attributes?: Readonly<Record<string, RawAttributeValue>>
  /** The timeline text; required by note(). */
  readonly note?: string | null
  /** Event time; the producer's clock when omitted. Recency rules use it, never arrival order. */
  readonly timestamp?: Date | number | string
  /** Unique per tenant; a time-ordered UUIDv7 is generated when omitted. */
  readonly eventId?: string
}

/** Why an event was refused before sending; `field` names the first offending field. */
export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError'
  readonly code = 'invalid-event' as const
  readonly retriable = false
  constructor(
    /** Dotted path of the first offending field, e.g. `identifiers.email` or `timestamp`. */
    readonly field: string,
    /** Every problem found, `field: reason`, in the order found. */
    readonly problems: readonly string[],
  ) {
    super(`invalid event: ${problems.join('; ')}`)
  }
}

function timestampOf(value: unknown): unknown {
  if (value instanceof Date) {
    const millis = value.getTime()
    if (Number.isNaN(millis))
      throw new InvalidEventError('timestamp', ['timestamp: an invalid Date'])
    return millis
  }
  return value
}

/**
 * The events toContactEvent returned: the producer sends one of them without validating it a
 * second time (HTTP ingest validates a whole request before any of it is sent). Not to be
 * changed after validation.
 */
const validated = new WeakSet<ContactEvent>()

export function wasValidated(event: ContactEvent): boolean {
  return validated.has(event)
}

/**
 * Validates `input` as a ContactEvent of `type` (the shape schemas/ContactEvent.avsc carries)
 * and returns the event to send. Throws InvalidEventError naming the field; never sends.
 */
export function toContactEvent(
  type: EventType,
  input: EventInput,
  defaults: { readonly eventId: () => string; readonly now: () => number },
): ContactEvent {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidEventError('(event)', ['(event): an object is expected'])
  }
  const given = input as EventInput & { readonly type?: unknown }
  if (given.type !== undefined && given.type !== type) {
    throw new InvalidEventError('type', [
      `type: ${JSON.stringify(given.type)} given to ${type}(); call the method of that type`,
    ])
  }
  const parsed = contactEventLine.safeParse({
    ...given,
    type,
    eventId: given.eventId === undefined ? defaults.eventId() : given.eventId,
    timestamp: given.timestamp === undefined ? defaults.now() : timestampOf(given.timestamp),
  })
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => explain(issue))
    const first = issues[0] as { field: string }
    throw new InvalidEventError(
      first.field,
      issues.map((i) => `${i.field}: ${i.message}`),
    )
  }
  const event = parsed.data
  if (event.identifiers.length === 0) {
    throw new InvalidEventError('identifiers', ['identifiers: at least one identifier is needed'])
  }
  if (type === 'note' && (event.note === null || event.note.trim() === '')) {
    throw new InvalidEventError('note', ['note: a note event needs the note text'])
  }
  validated.add(event)
  return event
}

interface Explained {
  readonly field: string
  readonly message: string
}

/**
 * zod reports a value that fits no branch of a union (identifiers as list or map, an attribute
 * value) as "Invalid input" at the union; say instead what was expected, or where inside the
 * branch that came closest the value went wrong.
 */
function explain(issue: z.core.$ZodIssue, prefix: readonly PropertyKey[] = []): Explained {
  const path = [...prefix, ...issue.path]
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) {
    return { field: fieldOf(path), message: issue.message }
  }
  const branches = issue.errors.filter((b) => b.length > 0)
  const topLevel = branches.every((b) =>
    b.every((i) => i.path.length === 0 && i.code === 'invalid_type'),
  )
  if (topLevel) {
    const expected = [
      ...new Set(branches.flat().map((i) => (i.code === 'invalid_type' ? i.expected : ''))),
    ]
    return { field: fieldOf(path), message: `expected ${expected.join(' or ')}` }
  }
  // the branch whose first problem lies deepest got furthest
  const deepest = branches
    .map((b) => b[0] as z.core.$ZodIssue)
    .reduce((a, b) => (b.path.length > a.path.length ? b : a))
  return explain(deepest, path)
}

function fieldOf(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(event)' : path.map(String).join('.')
}
