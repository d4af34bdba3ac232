import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CsvRecordReader, type CsvRecord } from '../../../src/connectors/csv-records.js'

/** All records of `text`, fed in chunks of `chunk` characters (every split point matters). */
function read(text: string, chunk = text.length || 1, max?: number): CsvRecord[] {
  const reader = new CsvRecordReader(max)
  const out: CsvRecord[] = []
  for (let i = 0; i < text.length; i += chunk) out.push(...reader.push(text.slice(i, i + chunk)))
  out.push(...reader.end())
  return out
}

const ok = (line: number, ...fields: string[]) => ({ ok: true, line, fields })

describe('CSV records', () => {
  it('reads fields and the line each record starts on, blank lines counted and skipped', () => {
    expect(read('a,b,c\n\n1,,3\n\n\nx')).toEqual([
      ok(1, 'a', 'b', 'c'),
      ok(3, '1', '', '3'),
      ok(6, 'x'),
    ])
  })

  it('takes CRLF line ends, a BOM, quoted fields with commas, quotes and line breaks', () => {
    const text = '\ufeffid,note\r\n1,"a, ""b""\r\nc"\r\n2,"x\ny"\r\n\r\n3,plain\r\n'
    const expected = [
      ok(1, 'id', 'note'),
      ok(2, '1', 'a, "b"\r\nc'),
      ok(4, '2', 'x\ny'),
      ok(7, '3', 'plain'),
    ]
    for (const chunk of [1, 2, 3, 5, 7, 1000]) expect(read(text, chunk)).toEqual(expected)
  })

  it('reports a stray character after a closing quote on its row, and reads the next row', () => {
    expect(read('a,b\n1,"x"y,2\n3,4\n')).toEqual([
      ok(1, 'a', 'b'),
      {
        ok: false,
        line: 2,
        problem: 'malformed-quotes',
        detail: expect.stringContaining('line 2'),
      },
      ok(3, '3', '4'),
    ])
  })

  it('reports an open quote at the end of the input on the row it starts', () => {
    expect(read('a\n"open\nmore\n')).toEqual([
      ok(1, 'a'),
      { ok: false, line: 2, problem: 'unterminated-quote', detail: expect.any(String) },
    ])
  })

  it('skips a row over the cap up to its line end; an open quote cannot swallow the file', () => {
    const long = 'z'.repeat(50)
    const text = `a,b\n1,${long}\n2,ok\n3,"${long}\nstill,open\n4,after\n`
    expect(read(text, 16, 40)).toEqual([
      ok(1, 'a', 'b'),
      { ok: false, line: 2, problem: 'row-too-long', detail: expect.any(String) },
      ok(3, '2', 'ok'),
      { ok: false, line: 4, problem: 'row-too-long', detail: expect.any(String) },
      ok(5, 'still', 'open'),
      ok(6, '4', 'after'),
    ])
  })

  it('gives the same records and lines whatever the chunking (property)', () => {
    const cell = fc.oneof(
      fc.constantFrom('', 'a', 'b c', '1'),
      fc
        .string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r\n', ' ') })
        .map((s) => `"${s.replaceAll('"', '""')}"`),
    )
    const row = fc.array(cell, { minLength: 1, maxLength: 4 }).map((cells) => cells.join(','))
    fc.assert(
      fc.property(
        fc.array(row, { maxLength: 8 }),
        fc.constantFrom('\n', '\r\n'),
        fc.integer({ min: 1, max: 9 }),
        (rows, eol, chunk) => {
          const text = rows.map((r) => r + eol).join('')
          const whole = read(text)
          expect(read(text, chunk)).toEqual(whole)
          // every record starts on the line its first character is on
          for (const r of whole) {
            expect(r.ok).toBe(true)
          }
          let line = 1
          const starts: number[] = []
          for (const r of rows) {
            if (r !== '') starts.push(line)
            line += r.split('\n').length
          }
          expect(whole.map((r) => r.line)).toEqual(starts)
        },
      ),
    )
  })
})
