import { z } from 'zod'
import { parseEventTimestamp } from '../core/datetime.js'
import type { ContactEvent, DeadLetterReason } from '../core/types.js'

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

function readableString(json: unknown, field: string): string | null {
  if (typeof json !== 'object' || json === null) return null
  const value = (json as Record<string, unknown>)[field]
  return typeof value === 'string' && value !== '' ? value : null
}
