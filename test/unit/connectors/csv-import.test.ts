/**
 * `unifier import csv --embedded`: rows to the embedded log, resolved by the embedded processor;
 * bad rows in the errors file with their exact lines; the same file again adds nothing; an
 * interrupted import run again ends as one clean import.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pino } from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_START } from '../../../src/cli/sample-defaults.js'
import { loadIdentityConfig } from '../../../src/config/identity-config.js'
import { EMPTY_MAPPING } from '../../../src/connectors/csv-mapping.js'
import {
  runCsvImport,
  type CsvImportOptions,
  type CsvSink,
} from '../../../src/connectors/csv-import.js'
import { embeddedCsvSink, kafkaCsvSink } from '../../../src/connectors/csv-sinks.js'
import { producerOver } from '../../../src/connectors/producer.js'
import { LocalLog } from '../../../src/embedded/local-log.js'
import { runEmbedded } from '../../../src/embedded/run-embedded.js'

const CSV = [
  'customerId,fieldName,fieldValue',
  'C1,email,ann@x.com',
  'C1,first_name,Ann',
  'C1,points,forty', // 4: bad
  'C1,phone,+1 212 555 0100',
  'C7,loyalty_card,L9',
  'C7,first_name,"Bruno', // 7
  'B."', // 8 (the same row)
  'C7,shoe_size,42', // 9: unknown field
  'C8,email,ann@x.com', // 10: another customer takes Ann's email (a reassignment)
].join('\r\n')

let dir: string
let csv: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'unifier-csv-'))
  csv = join(dir, 'customers.csv')
  await writeFile(csv, CSV)
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function importCsv(
  stateDir: string,
  overrides: Partial<CsvImportOptions> & { wrap?: (sink: CsvSink) => CsvSink } = {},
) {
  const inner = await embeddedCsvSink(stateDir)
  const sink = overrides.wrap ? overrides.wrap(inner) : inner
  try {
    return await runCsvImport({
      input: csv,
      tenant: 'acme',
      source: 'crm',
      format: 'long',
      mapping: EMPTY_MAPPING,
      identity: await loadIdentityConfig(DEFAULT_START.config),
      timestamp: Date.parse('2024-06-01T00:00:00Z'),
      errorsPath: join(dir, 'errors.ndjson'),
      sink,
      ...overrides,
    })
  } finally {
    await sink.close()
  }
}

const resolveEmbedded = async (stateDir: string) =>
  runEmbedded({
    config: await loadIdentityConfig(DEFAULT_START.config),
    input: null,
    stateDir,
    logger: pino({ level: 'silent' }),
  })

async function logEnds(stateDir: string) {
  const log = await LocalLog.open(join(stateDir, 'log'))
  try {
    return {
      input: await log.endOffset('contact-events', 0),
      changelog: await log.endOffset('profile-changelog', 0),
    }
  } finally {
    await log.close()
  }
}

describe('CSV import to the embedded log', () => {
  it('imports the good rows, which the embedded processor resolves; bad rows go to the errors file', async () => {
    const state = join(dir, 'state')
    const summary = await importCsv(state)
    expect(summary).toMatchObject({ rows: 8, events: 3, errorRows: 2, alreadyImported: false })
    const errors = (await readFile(join(dir, 'errors.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: number; reason: string })
    expect(errors.map((e) => [e.line, e.reason])).toEqual([
      [4, 'type-mismatch'],
      [9, 'unknown-field'],
    ])

    const report = await resolveEmbedded(state)
    expect(report.processed).toBe(3)
    const byAnchor = new Map(report.profiles.map((p) => [p.anchor?.value, p]))
    expect(byAnchor.get('C1')?.identifiers.map((i) => `${i.type}:${i.value}`)).toEqual([
      'customer_id:C1',
      'phone:+12125550100',
    ])
    expect(byAnchor.get('C8')?.identifiers.map((i) => i.value)).toEqual(['C8', 'ann@x.com'])
    expect(report.outputs['link-reassigned']).toHaveLength(1)
    expect(byAnchor.get('C1')?.attributes).toEqual({ first_name: 'Ann' })
    expect(byAnchor.get('C1')?.channels).toEqual(['crm'])
    expect(byAnchor.get('C7')?.attributes).toEqual({ first_name: 'Bruno\r\nB.' })
  })

  it('importing the same file again adds no input and no changelog record', async () => {
    const state = join(dir, 'state')
    await importCsv(state)
    await resolveEmbedded(state)
    const before = await logEnds(state)
    const errorsBefore = await readFile(join(dir, 'errors.ndjson'), 'utf8')
    const again = await importCsv(state)
    expect(again.alreadyImported).toBe(true)
    expect(await readFile(join(dir, 'errors.ndjson'), 'utf8')).toBe(errorsBefore)
    const report = await resolveEmbedded(state)
    expect(report.processed).toBe(0)
    expect(await logEnds(state)).toEqual(before)
  })

  it('an interrupted import run again gives what one import gives (the same eventIds)', async () => {
    const clean = join(dir, 'clean')
    await importCsv(clean)
    const cleanReport = await resolveEmbedded(clean)

    const state = join(dir, 'state')
    // the first attempt dies after its first batch of one event
    await expect(
      importCsv(state, {
        batchEvents: 1,
        wrap: (sink) => {
          let writes = 0
          return {
            ...sink,
            write: async (events) => {
              if (++writes > 1) throw new Error('killed')
              return sink.write(events)
            },
          }
        },
      }),
    ).rejects.toThrow('killed')
    await importCsv(state)
    const report = await resolveEmbedded(state)
    expect((await logEnds(state)).input).toBe((await logEnds(clean)).input + 1n)
    expect((await logEnds(state)).changelog).toBe((await logEnds(clean)).changelog)
    expect(report.profiles).toEqual(cleanReport.profiles)
  })

  it("reads stdin for '-', with ids from the rows: the same stream twice is a duplicate", async () => {
    const state = join(dir, 'state')
    const viaStdin = () => importCsv(state, { input: '-', stdin: Readable.from([CSV]) })
    expect(await viaStdin()).toMatchObject({ events: 3, errorRows: 2 })
    await resolveEmbedded(state)
    const before = await logEnds(state)
    await viaStdin()
    const report = await resolveEmbedded(state)
    expect(report.processed).toBe(3)
    expect((await logEnds(state)).changelog).toBe(before.changelog)
  })
})

describe('CSV import through the producer library', () => {
  it('reports an event the topic cannot take on each of its rows, and sends the others in order', async () => {
    const sent: string[] = []
    const producer = producerOver(
      {
        topic: 'contact-events',
        encode: async (event) => ({
          topic: 'contact-events',
          key: Buffer.from(event.tenant),
          value: Buffer.from(JSON.stringify(event)),
        }),
        sink: {
          send: async (_topic, records) => {
            for (const r of records) sent.push(JSON.parse(r.value.toString()).identifiers[0].value)
          },
          close: async () => undefined,
        },
      },
      { maxEventBytes: 300 },
    )
    const summary = await runCsvImport({
      input: csv,
      tenant: 'acme',
      source: 'crm',
      format: 'long',
      mapping: EMPTY_MAPPING,
      identity: await loadIdentityConfig(DEFAULT_START.config),
      errorsPath: join(dir, 'errors.ndjson'),
      // C1's event (3 good rows, 315 bytes as JSON) is over 300; one event per write, two in flight
      sink: kafkaCsvSink(producer, 2),
      batchEvents: 1,
    })
    await producer.close()
    expect(sent).toEqual(['C7', 'C8'])
    expect(summary).toMatchObject({ events: 2, errorRows: 5 })
    const errors = (await readFile(join(dir, 'errors.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: number; reason: string })
    expect(
      errors.map((e) => [e.line, e.reason]).sort((a, b) => Number(a[0]) - Number(b[0])),
    ).toEqual([
      [2, 'event-too-large'],
      [3, 'event-too-large'],
      [4, 'type-mismatch'],
      [5, 'event-too-large'],
      [9, 'unknown-field'],
    ])
  })
})
