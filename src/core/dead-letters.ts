/**
 * Spec rule 2 and what comes before any rule: the events that cannot be resolved at all go to
 * the dead-letter output with a reason, and change nothing.
 */
import { eventTimestampProblem } from './datetime.js'
import type { PreparedIdentifier } from './decision-context.js'
import type { Decision } from './state.js'
import type { StateRecord } from './state-records.js'
import { hasControlCharacter } from './text.js'
import type { ContactEvent, DeadLetterReason, DroppedIdentifier, InputPosition } from './types.js'

const NONE: readonly never[] = []

/** The decision for an event that goes to the dead-letter output: no write, one record. */
export function deadLetter(
  event: ContactEvent,
  reason: DeadLetterReason,
  detail: string,
  dropped: readonly DroppedIdentifier[] = NONE,
): Decision<StateRecord> {
  const tenant = typeof event?.tenant === 'string' ? event.tenant : null
  const eventId = typeof event?.eventId === 'string' ? event.eventId : null
  return {
    writes: NONE,
    outputs: [{ kind: 'dead-letter', tenant, eventId, reason, detail }],
    outcome: {
      eventId: eventId ?? '',
      tenant: tenant ?? '',
      status: 'dead-lettered',
      profileId: null,
      dropped,
      droppedAttributes: NONE,
      ambiguous: false,
      conflictingDuplicate: false,
    },
  }
}

/** Why the event cannot be processed at all, or null. Events may come from untyped JSON. */
export function invalidReason(event: ContactEvent, position: InputPosition): string | null {
  if (typeof event !== 'object' || event === null) return 'event is not an object'
  if (typeof event.eventId !== 'string' || event.eventId.length === 0) return 'eventId is missing'
  if (typeof event.tenant !== 'string' || event.tenant.length === 0) return 'tenant is missing'
  if (hasControlCharacter(event.tenant)) return 'tenant contains a control character'
  if (typeof event.source !== 'string') return 'source is missing'
  const timestampProblem = eventTimestampProblem(event.timestamp)
  if (timestampProblem !== null) return timestampProblem
  if (!Array.isArray(event.identifiers)) return 'identifiers is not a list'
  if (event.note !== null && event.note !== undefined && typeof event.note !== 'string')
    return 'note is not text'
  if (
    event.attributes !== null &&
    event.attributes !== undefined &&
    typeof event.attributes !== 'object'
  )
    return 'attributes is not an object'
  if (typeof position?.sequence !== 'number' || !Number.isFinite(position.sequence))
    return 'input position has no sequence'
  switch (event.type ?? 'identify') {
    case 'identify':
    case 'unlink':
    case 'note':
    case 'forget':
      return null
    default:
      return `unknown event type ${String(event.type)}`
  }
}

/**
 * Rule 2 after normalisation: two anchors in one event (except unlink, which drops anchors
 * anyway), or no usable identifier left. `ids` are strongest first, so a second anchor is ids[1].
 */
export function unresolvable(
  event: ContactEvent,
  ids: readonly PreparedIdentifier[],
  dropped: readonly DroppedIdentifier[],
): Decision<StateRecord> | null {
  if ((event.type ?? 'identify') !== 'unlink' && ids.length > 1 && ids[1]?.kind.role === 'anchor')
    return deadLetter(
      event,
      'conflicting-anchors',
      'the event names two different anchors',
      dropped,
    )
  if (ids.length === 0)
    return deadLetter(
      event,
      'no-identifiers',
      'no usable identifier left after normalisation',
      dropped,
    )
  return null
}
