/**
 * CSV rows → identify events, for `unifier import csv` (docs/connectors.md). Pure: records in
 * (with their line numbers, from ./csv-records.ts), events and bad rows out through callbacks.
 *
 * - long (indigitall's shape): `customerId,fieldName,fieldValue`; the consecutive rows of one
 *   customerId make one event (the same customerId again later makes another event);
 * - wide: a header row, then one event per row.
 *
 * A bad row is reported with its line and reason and left out; the rest of the file still counts.
 */
import { parseAttributes } from '../core/attributes.js'
import { normalizeIdentifierOnce } from '../core/identifiers.js'
import type { CompiledTenant } from '../core/tenant-rules.js'
import type { ContactEvent, Identifier, RawAttributeValue } from '../core/types.js'
import type { CsvRecord, CsvRecordProblem } from './csv-records.js'
import {
  CsvImportError,
  customerIdType,
  fieldTarget,
  type CsvMapping,
  type FieldTarget,
} from './csv-mapping.js'

export type CsvRowProblem =
  | CsvRecordProblem
  /** A row with another number of fields than the format (long: 3) or the header has. */
  | 'column-count'
  /** A fieldName (long) that is neither an identifier type nor an attribute of the tenant. */
  | 'unknown-field'
  /** A value that does not parse as its attribute's type, or a timestamp that is not one. */
  | 'type-mismatch'
  /** An identifier value the tenant's rules refuse (blocked, or invalid for its type). */
  | 'invalid-identifier'
  /** A row (wide) or customer (long) left without an identifier the resolver could use. */
  | 'no-identifier'
  /** The event is larger than the input topic accepts. */
  | 'event-too-large'

export interface CsvRowError {
  readonly line: number
  readonly reason: CsvRowProblem
  readonly detail: string
}

export interface CsvEvent {
  readonly event: ContactEvent
  /** The lines of the rows it was made of (long: several; wide: one). */
  readonly lines: readonly number[]
}

export interface CsvMapperOptions {
  readonly tenantName: string
  readonly tenant: CompiledTenant
  readonly source: string
  readonly mapping: CsvMapping
  /** Event time of rows without a timestamp column or field. */
  readonly timestamp: number
  /** The eventId of the event made of `rows`, starting at `line`. */
  readonly eventId: (line: number, rows: readonly (readonly string[])[]) => string
  readonly onEvent: (event: CsvEvent) => void
  readonly onError: (error: CsvRowError) => void
  /** Long format: rows of one customer per event at most; more make another event. */
  readonly maxRowsPerEvent?: number
}

export interface CsvMapper {
  push(record: CsvRecord): void
  end(): void
  /** Records that were a header row (0 or 1). */
  headerRows(): number
}

const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T/

/** Epoch milliseconds from digits or an ISO-8601 date-time (as event lines take them). */
export function parseTimestamp(text: string): number | null {
  const t = text.trim()
  if (/^\d{1,15}$/.test(t)) return Number(t)
  if (!ISO_DATETIME.test(t)) return null
  const ms = Date.parse(t)
  return Number.isNaN(ms) ? null : ms
}

/** The event being built from a row (wide) or a customer's rows (long). */
interface Draft {
  identifiers: Identifier[]
  attributes: Record<string, RawAttributeValue>
  timestamp: number | null
  source: string | null
}

type CellOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: CsvRowProblem; readonly detail: string }

const OK: CellOutcome = { ok: true }

/** Adds one value to the event being built, or says why it cannot be. Empty values are absent. */
function addCell(
  o: CsvMapperOptions,
  target: FieldTarget,
  name: string,
  raw: string,
  into: Draft,
): CellOutcome {
  if (raw.trim() === '') return OK
  switch (target.kind) {
    case 'identifier': {
      const verdict = normalizeIdentifierOnce(o.tenant.identifierTypes, target.type, raw)
      if (!verdict.ok) {
        return {
          ok: false,
          reason: 'invalid-identifier',
          detail:
            verdict.reason === 'blocked'
              ? `${name}: ${JSON.stringify(raw)} is a blocked ${target.type} value`
              : `${name}: ${JSON.stringify(raw)} is not a valid ${target.type}`,
        }
      }
      into.identifiers.push({ type: target.type, value: raw })
      return OK
    }
    case 'attribute': {
      const parsed = parseAttributes(o.tenant, { [target.name]: raw })
      if (parsed.dropped.length > 0) {
        return {
          ok: false,
          reason: 'type-mismatch',
          detail: `${name}: ${JSON.stringify(raw)} is not a ${target.type}`,
        }
      }
      into.attributes[target.name] = raw
      return OK
    }
    case 'timestamp': {
      const ms = parseTimestamp(raw)
      if (ms === null) {
        return {
          ok: false,
          reason: 'type-mismatch',
          detail: `${name}: ${JSON.stringify(raw)} is not epoch milliseconds or an ISO-8601 date-time`,
        }
      }
      into.timestamp = ms
      return OK
    }
    case 'source':
      into.source = raw.trim()
      return OK
    case 'ignore':
      return OK
  }
}

const event = (
  o: CsvMapperOptions,
  line: number,
  rows: readonly (readonly string[])[],
  draft: Draft,
): ContactEvent => ({
  eventId: o.eventId(line, rows),
  tenant: o.tenantName,
  type: 'identify',
  source: draft.source ?? o.source,
  timestamp: draft.timestamp ?? o.timestamp,
  identifiers: draft.identifiers,
  attributes: draft.attributes,
  note: null,
})

const recordError = (record: CsvRecord & { ok: false }): CsvRowError => ({
  line: record.line,
  reason: record.problem,
  detail: record.detail,
})

/** Long format: `customerId,fieldName,fieldValue`; an optional header row whose first cell is `customerId`. */
export function longFormatMapper(o: CsvMapperOptions): CsvMapper {
  const idType = customerIdType(o.tenantName, o.tenant, o.mapping)
  const maxRows = o.maxRowsPerEvent ?? 10_000
  const targets = new Map<string, FieldTarget | null>()
  let first = true
  let header = 0
  let group:
    | ({
        customerId: string
        /** not ok when the customerId itself is unusable: every row of the customer is reported */
        usable: CellOutcome
        line: number
        lines: number[]
        rows: string[][]
        goodRows: number
      } & Draft)
    | null = null

  const finish = () => {
    if (group === null) return
    const g = group
    group = null
    if (g.goodRows === 0) return
    o.onEvent({
      event: event(o, g.line, g.rows, {
        ...g,
        identifiers: [{ type: idType, value: g.customerId }, ...g.identifiers],
      }),
      lines: g.lines,
    })
  }

  return {
    push(record) {
      const wasFirst = first
      first = false
      if (!record.ok) return o.onError(recordError(record))
      const { fields, line } = record
      if (wasFirst && fields[0]?.trim().toLowerCase() === 'customerid') {
        header = 1
        return
      }
      if (fields.length !== 3) {
        return o.onError({
          line,
          reason: 'column-count',
          detail: `${fields.length} field(s); the long format has 3: customerId,fieldName,fieldValue`,
        })
      }
      const [customerId, fieldName, value] = fields as [string, string, string]
      if (customerId.trim() === '') {
        return o.onError({ line, reason: 'no-identifier', detail: 'customerId is empty' })
      }
      if (group !== null && (group.customerId !== customerId || group.rows.length >= maxRows)) {
        finish()
      }
      if (group === null) {
        const verdict = normalizeIdentifierOnce(o.tenant.identifierTypes, idType, customerId)
        group = {
          customerId,
          usable: verdict.ok
            ? OK
            : {
                ok: false,
                reason: 'no-identifier',
                detail:
                  verdict.reason === 'blocked'
                    ? `customerId ${JSON.stringify(customerId)} is a blocked ${idType} value`
                    : `customerId ${JSON.stringify(customerId)} is not a valid ${idType}`,
              },
          line,
          lines: [],
          rows: [],
          identifiers: [],
          attributes: {},
          timestamp: null,
          source: null,
          goodRows: 0,
        }
      }
      const g = group
      if (!g.usable.ok) return o.onError({ line, reason: g.usable.reason, detail: g.usable.detail })
      let target = targets.get(fieldName)
      if (target === undefined) {
        target = fieldTarget(o.tenant, o.mapping, fieldName)
        targets.set(fieldName, target)
      }
      if (target === null) {
        return o.onError({
          line,
          reason: 'unknown-field',
          detail: `fieldName ${JSON.stringify(fieldName)} is neither an identifier type nor an attribute of tenant ${o.tenantName}`,
        })
      }
      const outcome = addCell(o, target, fieldName, value, g)
      if (!outcome.ok) return o.onError({ line, reason: outcome.reason, detail: outcome.detail })
      g.goodRows++
      g.lines.push(line)
      g.rows.push(fields)
    },
    end: finish,
    headerRows: () => header,
  }
}

/** Wide format: a header row naming each column, then one event per row. */
export function wideFormatMapper(o: CsvMapperOptions): CsvMapper {
  let header: { names: string[]; targets: FieldTarget[] } | null = null
  return {
    push(record) {
      if (header === null) {
        if (!record.ok) {
          throw new CsvImportError(
            'invalid-header',
            `line ${record.line}: the header row is unreadable: ${record.detail}`,
          )
        }
        header = readHeader(o, record.fields, record.line)
        return
      }
      if (!record.ok) return o.onError(recordError(record))
      const { fields, line } = record
      if (fields.length !== header.names.length) {
        return o.onError({
          line,
          reason: 'column-count',
          detail: `${fields.length} field(s); the header has ${header.names.length}`,
        })
      }
      const into: Draft = { identifiers: [], attributes: {}, timestamp: null, source: null }
      for (let i = 0; i < fields.length; i++) {
        const outcome = addCell(
          o,
          header.targets[i] as FieldTarget,
          header.names[i] as string,
          fields[i] as string,
          into,
        )
        if (!outcome.ok) return o.onError({ line, reason: outcome.reason, detail: outcome.detail })
      }
      if (into.identifiers.length === 0) {
        return o.onError({
          line,
          reason: 'no-identifier',
          detail: 'every identifier column of the row is empty',
        })
      }
      o.onEvent({
        event: event(o, line, [fields], into),
        lines: [line],
      })
    },
    end() {},
    headerRows: () => (header === null ? 0 : 1),
  }
}

function readHeader(
  o: CsvMapperOptions,
  names: string[],
  line: number,
): { names: string[]; targets: FieldTarget[] } {
  const unknown: string[] = []
  const seen = new Set<string>()
  const targets: FieldTarget[] = []
  for (const name of names) {
    const target = fieldTarget(o.tenant, o.mapping, name)
    if (target === null) unknown.push(JSON.stringify(name))
    else targets.push(target)
    const key = target === null || target.kind === 'ignore' ? null : JSON.stringify(target)
    if (key !== null && target?.kind !== 'identifier') {
      if (seen.has(key)) {
        throw new CsvImportError('invalid-header', `line ${line}: two columns feed ${name}`)
      }
      seen.add(key)
    }
  }
  if (unknown.length > 0) {
    throw new CsvImportError(
      'invalid-header',
      `line ${line}: column(s) ${unknown.join(', ')} are neither identifier types nor attributes of tenant ${o.tenantName}; ` +
        'name them in --mapping (fields: {<column>: <identifier type | attribute | timestamp | ignore>})',
    )
  }
  if (!targets.some((t) => t.kind === 'identifier')) {
    throw new CsvImportError('invalid-header', `line ${line}: no column is an identifier type`)
  }
  return { names, targets }
}
