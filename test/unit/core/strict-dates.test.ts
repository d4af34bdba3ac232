import { describe, expect, it } from 'vitest'
import { parseEventLine } from '../../../src/codecs/event-line.js'
import {
  MAX_EVENT_TIMESTAMP,
  parseDatetime,
  parseEventTimestamp,
} from '../../../src/core/datetime.js'
import { given } from '../../support/resolver-driver.js'
import { identityConfig } from './identity-fixture.js'

const YEAR_1_MS = -62_135_596_800_000

// Issue 11: dates parsed strictly, one rule for text and numbers.
describe('event timestamps', () => {
  it('refuses impossible calendar dates that Date.parse would roll over', () => {
    expect(Date.parse('2024-02-30T00:00:00Z')).not.toBeNaN() // why we do not use it
    for (const text of ['2024-02-30', '2024-02-30T00:00:00Z', '2023-02-29T10:00:00Z', '2024-04-31'])
      expect(parseEventTimestamp(text)).toEqual({
        ok: false,
        problem: expect.stringContaining('timestamp'),
      })
    expect(parseEventTimestamp('2024-02-29T00:00:00Z')).toEqual({
      ok: true,
      ms: Date.UTC(2024, 1, 29),
    })
  })

  it('refuses instants outside what a Date holds (±8.64e15 ms) and keeps the bounds', () => {
    expect(parseEventTimestamp(8_640_000_000_000_001).ok).toBe(false)
    expect(parseEventTimestamp(-8_640_000_000_000_001).ok).toBe(false)
    expect(parseEventTimestamp(MAX_EVENT_TIMESTAMP)).toEqual({ ok: true, ms: MAX_EVENT_TIMESTAMP })
    expect(parseEventTimestamp(-MAX_EVENT_TIMESTAMP)).toEqual({
      ok: true,
      ms: -MAX_EVENT_TIMESTAMP,
    })
    expect(parseEventTimestamp(1.5).ok).toBe(false)
  })

  it('gives 0001-01-01 the same verdict as text and as milliseconds', () => {
    expect(parseEventTimestamp('0001-01-01')).toEqual({ ok: true, ms: YEAR_1_MS })
    expect(parseEventTimestamp('0001-01-01T00:00:00Z')).toEqual({ ok: true, ms: YEAR_1_MS })
    expect(parseEventTimestamp(YEAR_1_MS)).toEqual({ ok: true, ms: YEAR_1_MS })
  })

  it('an NDJSON line with a failing timestamp is an invalid event naming the field', () => {
    const base = { eventId: 'e1', tenant: 'acme', source: 'web', identifiers: { email: 'a@b.co' } }
    for (const timestamp of ['2024-02-30T10:00:00Z', 8_640_000_000_000_001]) {
      const parsed = parseEventLine(JSON.stringify({ ...base, timestamp }))
      expect(parsed).toMatchObject({ ok: false, reason: 'invalid-event', eventId: 'e1' })
      expect(!parsed.ok && parsed.detail).toMatch(/^timestamp: /)
    }
    for (const timestamp of ['0001-01-01', YEAR_1_MS]) {
      const parsed = parseEventLine(JSON.stringify({ ...base, timestamp }))
      expect(parsed.ok && parsed.event.timestamp).toBe(YEAR_1_MS)
    }
  })

  it('the resolver dead-letters an event (from Avro or any source) whose timestamp is out of range', async () => {
    const d = await given(identityConfig())
    for (const timestamp of [8_640_000_000_000_001, 0.5, Number.NaN]) {
      const r = await d.send({ ids: { email: 'a@b.co' }, timestamp })
      expect(r.outcome.status).toBe('dead-lettered')
      expect(r.outputs).toEqual([
        expect.objectContaining({
          kind: 'dead-letter',
          reason: 'invalid-event',
          detail: expect.stringMatching(/^timestamp /),
        }),
      ])
    }
    const ok = await d.send({ ids: { email: 'a@b.co' }, timestamp: YEAR_1_MS })
    expect(ok.outcome.status).toBe('applied')
  })
})

describe('datetime attributes', () => {
  it('drops impossible dates and out-of-range instants as type-mismatch', async () => {
    expect(parseDatetime('2024-02-30')).toBeNull()
    expect(parseDatetime(8_640_000_000_000_001)).toBeNull()
    const d = await given(identityConfig())
    const r = await d.send({ ids: { email: 'a@b.co' }, attributes: { birthday: '2024-02-30' } })
    expect(r.outcome.droppedAttributes).toEqual([{ field: 'birthday', reason: 'type-mismatch' }])
  })

  it('gives 0001-01-01 the same instant as text and as milliseconds', () => {
    expect(parseDatetime('0001-01-01T00:00:00Z')).toBe('0001-01-01T00:00:00.000Z')
    expect(parseDatetime(YEAR_1_MS)).toBe('0001-01-01T00:00:00.000Z')
  })
})
