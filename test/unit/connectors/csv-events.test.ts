import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseIdentityConfig } from '../../../src/config/identity-config.js'
import {
  longFormatMapper,
  wideFormatMapper,
  type CsvEvent,
  type CsvMapperOptions,
  type CsvRowError,
} from '../../../src/connectors/csv-events.js'
import {
  CsvImportError,
  EMPTY_MAPPING,
  parseMapping,
  type CsvMapping,
} from '../../../src/connectors/csv-mapping.js'
import { CsvRecordReader } from '../../../src/connectors/csv-records.js'
import { compileTenants } from '../../../src/core/tenant-rules.js'
import { packageRoot } from '../../../src/topology/package-files.js'

const identity = parseIdentityConfig(
  readFileSync(join(packageRoot(), 'samples', 'identity.yaml'), 'utf8'),
)
const T0 = Date.parse('2026-01-01T00:00:00Z')

function run(format: 'long' | 'wide', text: string, mapping: CsvMapping = EMPTY_MAPPING) {
  const events: CsvEvent[] = []
  const errors: CsvRowError[] = []
  const options: CsvMapperOptions = {
    tenantName: 'acme',
    tenant: compileTenants(identity).get('acme')!,
    source: 'crm',
    mapping,
    timestamp: T0,
    eventId: (line) => `e${line}`,
    onEvent: (e) => events.push(e),
    onError: (e) => errors.push(e),
    maxRowsPerEvent: 4,
  }
  const mapper = format === 'long' ? longFormatMapper(options) : wideFormatMapper(options)
  const reader = new CsvRecordReader(200)
  for (const r of reader.push(text)) mapper.push(r)
  for (const r of reader.end()) mapper.push(r)
  mapper.end()
  return { events, errors, mapper }
}

const ids = (e: CsvEvent) => e.event.identifiers.map((i) => `${i.type}:${i.value}`)

describe('CSV long format (customerId,fieldName,fieldValue)', () => {
  it('makes one identify event of the consecutive rows of a customer, anchored on customerId', () => {
    const { events, errors, mapper } = run(
      'long',
      [
        'customerId,fieldName,fieldValue',
        'C1,email,ann@x.com',
        'C1,first_name,Ann',
        'C1,points,40',
        'C1,phone,+1 212 555 0100',
        'C2,loyalty_card,L9',
        'C1,newsletter_opt_in,true',
      ].join('\r\n'),
    )
    expect(errors).toEqual([])
    expect(mapper.headerRows()).toBe(1)
    expect(events).toEqual([
      {
        lines: [2, 3, 4, 5],
        event: {
          eventId: 'e2',
          tenant: 'acme',
          type: 'identify',
          source: 'crm',
          timestamp: T0,
          identifiers: [
            { type: 'customer_id', value: 'C1' },
            { type: 'email', value: 'ann@x.com' },
            { type: 'phone', value: '+1 212 555 0100' },
          ],
          attributes: { first_name: 'Ann', points: '40' },
          note: null,
        },
      },
      expect.objectContaining({ lines: [6] }),
      // the same customerId again later: a second event
      expect.objectContaining({ lines: [7] }),
    ])
    expect(ids(events[1]!)).toEqual(['customer_id:C2', 'loyalty_card:L9'])
    expect(events[2]!.event.attributes).toEqual({ newsletter_opt_in: 'true' })
  })

  it('reports every bad row with its line and reason, and imports the others', () => {
    const { events, errors } = run(
      'long',
      [
        'C1,email,ann@x.com', // 1 (no header)
        'C1,favourite_colour,blue', // 2 unknown field
        'C1,points,forty', // 3 not a number
        'C1,email,not-an-email', // 4 invalid identifier
        'C1,loyalty_card,0000', // 5 blocked value
        ',email,b@x.com', // 6 no customerId
        'C3,email', // 7 two fields
        'C4,first_name,"Multi', // 8
        'line"', // 9 (the same row)
        'C4,birthday,not a date', // 10
        'n/a,email,c@x.com', // 11 a placeholder customerId: no usable identifier
        'C5,"bad"quote,1', // 12
        'C5,first_name,Eve', // 13
      ].join('\n'),
    )
    expect(errors.map((e) => [e.line, e.reason])).toEqual([
      [2, 'unknown-field'],
      [3, 'type-mismatch'],
      [4, 'invalid-identifier'],
      [5, 'invalid-identifier'],
      [6, 'no-identifier'],
      [7, 'column-count'],
      [10, 'type-mismatch'],
      [11, 'no-identifier'],
      [12, 'malformed-quotes'],
    ])
    expect(errors[0]!.detail).toContain('favourite_colour')
    expect(events.map((e) => [e.lines, e.event.attributes])).toEqual([
      [[1], {}],
      [[8], { first_name: 'Multi\nline' }],
      [[13], { first_name: 'Eve' }],
    ])
  })

  it('starts another event after maxRowsPerEvent rows of one customer', () => {
    const rows = Array.from({ length: 6 }, (_, i) => `C1,email,a${i}@x.com`).join('\n')
    expect(run('long', rows).events.map((e) => e.lines)).toEqual([
      [1, 2, 3, 4],
      [5, 6],
    ])
  })

  it('takes customerId as the identifier type the mapping names, and renames fields', () => {
    const mapping = parseMapping(
      'customerId: loyalty_card\nfields: { mail: email, vip: ignore, seen: timestamp }\n',
      'mapping.yaml',
    )
    const { events, errors } = run(
      'long',
      'L1,mail,a@x.com\nL1,vip,yes\nL1,seen,2024-05-01T10:00:00Z\nL2,seen,yesterday',
      mapping,
    )
    expect(errors).toEqual([
      { line: 4, reason: 'type-mismatch', detail: expect.stringContaining('yesterday') },
    ])
    expect(events).toHaveLength(1)
    expect(ids(events[0]!)).toEqual(['loyalty_card:L1', 'email:a@x.com'])
    expect(events[0]!.event.timestamp).toBe(Date.parse('2024-05-01T10:00:00Z'))
  })

  it('refuses a mapping whose customerId type the tenant does not have', () => {
    expect(() => run('long', 'x', { customerId: 'passport', fields: {} })).toThrow(CsvImportError)
  })

  it('reports a row over the length cap with its line', () => {
    const { errors, events } = run('long', `C1,first_name,${'x'.repeat(300)}\nC1,first_name,Ann`)
    expect(errors.map((e) => [e.line, e.reason])).toEqual([[1, 'row-too-long']])
    expect(events.map((e) => e.lines)).toEqual([[2]])
  })
})

describe('CSV wide format (a header row)', () => {
  it('makes one event per row; empty cells are absent; timestamp and source columns', () => {
    const { events, errors } = run(
      'wide',
      [
        '\ufeffcustomer_id,email,phone,first_name,points,timestamp,source',
        'C1,ann@x.com,,Ann,40,2024-05-01T09:00:00Z,web',
        ',,"+1 212 555 0100",,,1714560000000,',
      ].join('\r\n'),
    )
    expect(errors).toEqual([])
    expect(
      events.map((e) => [e.lines, ids(e), e.event.attributes, e.event.timestamp, e.event.source]),
    ).toEqual([
      [
        [2],
        ['customer_id:C1', 'email:ann@x.com'],
        { first_name: 'Ann', points: '40' },
        Date.parse('2024-05-01T09:00:00Z'),
        'web',
      ],
      [[3], ['phone:+1 212 555 0100'], {}, 1714560000000, 'crm'],
    ])
  })

  it('reports bad rows with their lines: type, identifier, no identifier, column count', () => {
    const { events, errors } = run(
      'wide',
      [
        'customer_id,email,points',
        'C1,a@x.com,lots', // 2
        'C2,"multi', // 3
        'line",1', // 4 (row 3 continued: an invalid email)
        ',,5', // 5
        'C3,c@x.com', // 6
        'C4,,7', // 7
      ].join('\n'),
    )
    expect(errors.map((e) => [e.line, e.reason])).toEqual([
      [2, 'type-mismatch'],
      [3, 'invalid-identifier'],
      [5, 'no-identifier'],
      [6, 'column-count'],
    ])
    expect(events.map((e) => e.lines)).toEqual([[7]])
  })

  it('maps columns by the mapping file and refuses a header with unknown columns', () => {
    const mapping = parseMapping('{"fields": {"Mail": "email", "Internal": "ignore"}}', 'm.json')
    const { events } = run('wide', 'Mail,Internal\na@x.com,secret', mapping)
    expect(events.map((e) => [ids(e), e.event.attributes])).toEqual([[['email:a@x.com'], {}]])
    expect(() => run('wide', 'customer_id,shoe_size\nC1,42')).toThrow(/shoe_size/)
    expect(() => run('wide', 'first_name\nAnn')).toThrow(/no column is an identifier/)
  })

  it('refuses a mapping file with unknown keys', () => {
    expect(() => parseMapping('columns: {a: b}', 'm.yaml')).toThrow(CsvImportError)
  })
})
