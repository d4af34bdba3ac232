import { describe, expect, it } from 'vitest'
import { linesOf, type NumberedLine } from '../../../src/codecs/ndjson.js'

async function read(
  chunks: ReadonlyArray<string | Buffer>,
  maxLineBytes = 1024,
): Promise<NumberedLine[]> {
  async function* input() {
    for (const c of chunks) yield typeof c === 'string' ? Buffer.from(c, 'utf8') : c
  }
  const lines: NumberedLine[] = []
  for await (const line of linesOf(input(), null, { maxLineBytes }).lines) lines.push(line)
  return lines
}

const texts = (lines: NumberedLine[]) =>
  lines.map((l) => (l.kind === 'line' ? [l.lineNumber, l.text] : [l.lineNumber, l.bytes]))

// Issue 11: the reader decides what a line is, and never holds an over-long one.
describe('reading NDJSON lines as bytes', () => {
  it('ends lines at LF only: a raw CR inside a line is part of it, a CR before LF is dropped', async () => {
    expect(texts(await read(['a\rb\r\nc\n', '\rd\r\r\n']))).toEqual([
      [1, 'a\rb'],
      [2, 'c'],
      [3, '\rd\r'],
    ])
  })

  it('numbers every line, blank ones too, and reads a last line without LF', async () => {
    expect(texts(await read(['one\n\n  \nfour', '\nfive']))).toEqual([
      [1, 'one'],
      [2, ''],
      [3, '  '],
      [4, 'four'],
      [5, 'five'],
    ])
    expect(await read([])).toEqual([])
    expect(texts(await read(['x\n']))).toEqual([[1, 'x']])
  })

  it('skips a UTF-8 BOM opening the input, only there', async () => {
    expect(texts(await read(['\ufeff{"a":1}\n\ufeffb\n']))).toEqual([
      [1, '{"a":1}'],
      [2, '\ufeffb'],
    ])
  })

  it('joins a line split across chunks, even inside a multi-byte character', async () => {
    const e = Buffer.from('é', 'utf8')
    expect(
      texts(
        await read([
          Buffer.from('caf'),
          e.subarray(0, 1),
          Buffer.concat([e.subarray(1), Buffer.from('\nx')]),
        ]),
      ),
    ).toEqual([
      [1, 'café'],
      [2, 'x'],
    ])
  })

  it('turns invalid UTF-8 into U+FFFD instead of failing', async () => {
    expect(texts(await read([Buffer.from([0x61, 0xff, 0xc3, 0x0a])]))).toEqual([
      [1, 'a\ufffd\ufffd'],
    ])
  })

  it('reports a line over the cap as too-long with its length, across any chunking', async () => {
    const long = 'y'.repeat(50)
    const chunks = ['ok\n', long.slice(0, 7), long.slice(7, 30), `${long.slice(30)}\r`, '\nafter\n']
    expect(await read(chunks, 10)).toEqual([
      { kind: 'line', lineNumber: 1, text: 'ok' },
      { kind: 'too-long', lineNumber: 2, bytes: 50 },
      { kind: 'line', lineNumber: 3, text: 'after' },
    ])
  })

  it('keeps a line of exactly the cap (with or without CRLF) and refuses one byte more', async () => {
    expect(texts(await read(['0123456789\n0123456789\r\n0123456789a\n'], 10))).toEqual([
      [1, '0123456789'],
      [2, '0123456789'],
      [3, 11],
    ])
    expect(texts(await read(['0123456789\r'], 10))).toEqual([[1, '0123456789']])
    expect(texts(await read(['0123456789ab'], 10))).toEqual([[1, 12]])
  })

  it('counts the bytes it has read', async () => {
    async function* input() {
      yield Buffer.from('ab\n')
      yield Buffer.from('cd\n')
    }
    const source = linesOf(input(), 6)
    for await (const _ of source.lines) void _
    expect(source.bytesRead()).toBe(6)
  })
})
