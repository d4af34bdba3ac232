import { z } from 'zod'
import { parseEventTimestamp } from '../core/datetime.js'
import type { ContactEvent, DeadLetterReason, EventType, Identifier } from '../core/types.js'

/**
 * The JSON shape of one input line: a ContactEvent (src/core/types.ts) with the conveniences a
 * person writing NDJSON by hand expects: `type` defaults to identify, `timestamp` may be epoch
 * millis or an ISO-8601 string, `identifiers` may be a list of {type, value} or an object
 * {type: value | [values]}, numbers are accepted where an identifier value is expected.
 */
const identifierValue = z.union([z.string(), z.number().finite()]).transform(String)

const identifierList = z.array(z.object({ type: z.string().min(1), value: identifierValue }))

const identifierMap = z
  .record(z.string().min(1), z.union([identifierValue, z.array(identifierValue)]))
  .transform((map) =>
    Object.entries(map).flatMap(([type, value]) =>
      (Array.isArray(value) ? value : [value]).map((v) => ({ type, value: v })),
    ),
  )

// One rule for numbers and text (src/core/datetime.ts): real calendar dates, ±8.64e15 ms.
const timestamp = z.union([z.number(), z.string()]).transform((raw, ctx) => {
  const parsed = parseEventTimestamp(raw)
  if (parsed.ok) return parsed.ms
  ctx.addIssue({ code: 'custom', message: parsed.problem })
  return z.NEVER
})

export const contactEventLine = z
  .object({
    eventId: z.string().min(1),
    tenant: z.string().min(1),
    type: z.enum(['identify', 'unlink', 'note', 'forget']).default('identify'),
    source: z.string().min(1),
    timestamp,
    identifiers: z.union([identifierList, identifierMap]).default([]),
    attributes: z
      .record(z.string(), z.union([z.string(), z.number().finite(), z.boolean(), z.null()]))
      .default({}),
    note: z.string().nullable().default(null),
  })
  .strict()

export type ParsedLine =
  | { readonly ok: true; readonly event: ContactEvent }
  | {
      readonly ok: false
      readonly reason: Extract<DeadLetterReason, 'undecodable' | 'invalid-event'>
      readonly eventId: string | null
      readonly tenant: string | null
      readonly detail: string
    }

/** Parses one NDJSON line; never throws: a bad line comes back as a dead-letter description. */
export function parseEventLine(line: string): ParsedLine {
  let json: unknown
  try {
    json = JSON.parse(line)
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err)
    return { ok: false, reason: 'undecodable', eventId: null, tenant: null, detail }
  }
  const plain = plainEvent(json)
  if (plain !== null) return { ok: true, event: plain }
  const parsed = contactEventLine.safeParse(json)
  if (parsed.success) return { ok: true, event: parsed.data }
  return {
    ok: false,
    reason: 'invalid-event',
    eventId: readableString(json, 'eventId'),
    tenant: readableString(json, 'tenant'),
    detail: parsed.error.issues
      .map((issue) => `${issue.path.join('.') || '(line)'}: ${issue.message}`)
      .join('; '),
  }
}

const FIELDS = new Set([
  'eventId',
  'tenant',
  'type',
  'source',
  'timestamp',
  'identifiers',
  'attributes',
  'note',
])
const TYPES = new Set<unknown>(['identify', 'unlink', 'note', 'forget'])

/**
 * The usual line (identifiers as a list, every field well formed) read without the schema,
 * which costs several times the JSON parse in objects and closures per line. Returns null for
 * anything else: the schema then gives the same event or the error (test/unit/codecs/event-line
 * compares both on every form).
 */
function plainEvent(json: unknown): ContactEvent | null {
  if (!isRecord(json)) return null
  for (const key in json) if (!FIELDS.has(key)) return null
  const { eventId, tenant, source, timestamp } = json
  if (!nonEmpty(eventId) || !nonEmpty(tenant) || !nonEmpty(source)) return null
  const type = json.type === undefined ? 'identify' : json.type
  if (!TYPES.has(type)) return null
  if (typeof timestamp !== 'number' && typeof timestamp !== 'string') return null
  const time = parseEventTimestamp(timestamp)
  if (!time.ok) return null
  const identifiers = plainIdentifiers(json.identifiers)
  if (identifiers === null) return null
  const attributes = json.attributes === undefined ? {} : json.attributes
  if (!plainAttributes(attributes)) return null
  const note = json.note === undefined ? null : json.note
  if (note !== null && typeof note !== 'string') return null
  return {
    eventId,
    tenant,
    type: type as EventType,
    source,
    timestamp: time.ms,
    identifiers,
    attributes,
    note,
  }
}

function plainIdentifiers(list: unknown): Identifier[] | null {
  if (list === undefined) return []
  if (!Array.isArray(list)) return null
  const out: Identifier[] = []
  for (const item of list as unknown[]) {
    if (!isRecord(item) || !nonEmpty(item.type)) return null
    const value = item.value
    if (typeof value === 'string') out.push({ type: item.type, value })
    else if (typeof value === 'number' && Number.isFinite(value))
      out.push({ type: item.type, value: String(value) })
    else return null
  }
  return out
}

/** The parsed object is the line's own, so it is kept as the event's attributes. */
function plainAttributes(
  attributes: unknown,
): attributes is Record<string, string | number | boolean | null> {
  if (!isRecord(attributes)) return false
  for (const key in attributes) {
    // a JSON "__proto__" key is an own property here, but not in the schema's copy
    if (key === '__proto__') return false
    const value = attributes[key]
    if (
      value !== null &&
      typeof value !== 'string' &&
      typeof value !== 'boolean' &&
      !(typeof value === 'number' && Number.isFinite(value))
    )
      return false
  }
  return true
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value !== ''
}

function readableString(json: unknown, field: string): string | null {
  if (typeof json !== 'object' || json === null) return null
  const value = (json as Record<string, unknown>)[field]
  return typeof value === 'string' && value !== '' ? value : null
}
