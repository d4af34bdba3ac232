/**
 * CSV records (RFC 4180: `,` separated, `"` quoted with `""` for a quote, CRLF or LF line ends)
 * from a stream of text chunks, each with the exact 1-based line it starts on, as an editor
 * shows it (a quoted field may span lines; blank lines count and are skipped).
 *
 * Why not csv-parse: after one bad row (a stray character after a closing quote, a record over
 * `max_record_size`) it reads the rest of the file as one quoted field or stops, and its line
 * count drifts on CRLF inside quoted fields; an import must report the bad row with its exact
 * line and go on with the next one. Here a bad row ends at the next line end outside quotes
 * (the end of the line where the problem was found), and the rows after it are read as usual.
 */

export type CsvRecordProblem =
  /** A character other than `,` or a line end after a closing quote. */
  | 'malformed-quotes'
  /** A quoted field still open at the end of the input. */
  | 'unterminated-quote'
  /** The record is longer than the cap; it is skipped up to the next line end. */
  | 'row-too-long'

export type CsvRecord =
  | { readonly ok: true; readonly line: number; readonly fields: string[] }
  | {
      readonly ok: false
      readonly line: number
      readonly problem: CsvRecordProblem
      readonly detail: string
    }

const QUOTE = 0x22
const COMMA = 0x2c
const LF = 0x0a
const CR = 0x0d

type State =
  /** At the start of a field (nothing read yet). */
  | 'field-start'
  | 'unquoted'
  | 'quoted'
  /** A quote inside a quoted field: either the closing one or the first of `""`. */
  | 'quote-in-quoted'
  /** After an error: drop everything up to the next line end. */
  | 'skipping'

export class CsvRecordReader {
  private state: State = 'field-start'
  private fields: string[] = []
  private field = ''
  /** Line of the character being read (1-based). */
  private line = 1
  private recordLine = 1
  /** Characters of the record so far (its fields and separators). */
  private size = 0
  private failure: { problem: CsvRecordProblem; detail: string } | null = null
  private started = false
  private bomChecked = false

  constructor(private readonly maxRecordChars: number = 1024 * 1024) {}

  /** Records completed by this chunk of text. */
  push(text: string): CsvRecord[] {
    const out: CsvRecord[] = []
    let i = 0
    if (!this.bomChecked && text.length > 0) {
      this.bomChecked = true
      if (text.charCodeAt(0) === 0xfeff) i = 1
    }
    const n = text.length
    // `from` marks the start of a run of plain characters copied into `field` at once.
    let from = -1
    const flushRun = (to: number) => {
      if (from >= 0) {
        this.field += text.slice(from, to)
        from = -1
      }
    }
    for (; i < n; i++) {
      const c = text.charCodeAt(i)
      if (!this.started) {
        if (c === LF) {
          this.line++ // a blank line: not a record
          continue
        }
        if (c === CR && (i + 1 >= n || text.charCodeAt(i + 1) === LF)) continue
        this.started = true
        this.recordLine = this.line
        this.size = 0
      }
      this.size++
      if (this.size > this.maxRecordChars && this.state !== 'skipping') {
        flushRun(i)
        this.fail(
          'row-too-long',
          `the row is longer than ${this.maxRecordChars} characters; skipped up to the next line end`,
        )
        // an open quote would otherwise swallow the rest of the file: end at the next line end
      }
      switch (this.state) {
        case 'skipping':
          if (c === LF) {
            out.push(this.endRecord())
            this.line++
          }
          break
        case 'field-start':
          if (c === QUOTE) {
            this.state = 'quoted'
          } else if (c === COMMA) {
            this.fields.push('')
          } else if (c === LF) {
            this.fields.push('')
            out.push(this.endRecord())
            this.line++
          } else if (c === CR && (i + 1 >= n || text.charCodeAt(i + 1) === LF)) {
            // the CR of a CRLF (or a chunk ending in CR, which is dropped: CR alone is no line end)
          } else {
            this.state = 'unquoted'
            from = i
          }
          break
        case 'unquoted':
          if (c === COMMA) {
            flushRun(i)
            this.fields.push(this.field)
            this.field = ''
            this.state = 'field-start'
          } else if (c === LF) {
            flushRun(i)
            this.fields.push(stripCr(this.field))
            this.field = ''
            out.push(this.endRecord())
            this.line++
          } else if (from < 0) {
            from = i
          }
          break
        case 'quoted':
          if (c === QUOTE) {
            flushRun(i)
            this.state = 'quote-in-quoted'
          } else {
            if (c === LF) this.line++
            if (from < 0) from = i
          }
          break
        case 'quote-in-quoted':
          if (c === QUOTE) {
            this.field += '"'
            this.state = 'quoted'
          } else if (c === COMMA) {
            this.fields.push(this.field)
            this.field = ''
            this.state = 'field-start'
          } else if (c === LF) {
            this.fields.push(this.field)
            this.field = ''
            out.push(this.endRecord())
            this.line++
          } else if (c === CR && (i + 1 >= n || text.charCodeAt(i + 1) === LF)) {
            // CR of the CRLF after a closing quote
          } else {
            this.fail(
              'malformed-quotes',
              `a character other than , or a line end after a closing quote (line ${this.line})`,
            )
          }
          break
      }
    }
    flushRun(n)
    return out
  }

  /** The last record, when the input does not end with a line end. */
  end(): CsvRecord[] {
    if (!this.started) return []
    switch (this.state) {
      case 'quoted':
        this.fail('unterminated-quote', 'a quoted field is still open at the end of the input')
        break
      case 'unquoted':
        this.fields.push(stripCr(this.field))
        break
      case 'quote-in-quoted':
      case 'field-start':
        this.fields.push(this.field)
        break
      case 'skipping':
        break
    }
    return [this.endRecord()]
  }

  private fail(problem: CsvRecordProblem, detail: string): void {
    this.failure ??= { problem, detail }
    this.state = 'skipping'
  }

  private endRecord(): CsvRecord {
    const record: CsvRecord =
      this.failure === null
        ? { ok: true, line: this.recordLine, fields: this.fields }
        : { ok: false, line: this.recordLine, ...this.failure }
    this.fields = []
    this.field = ''
    this.failure = null
    this.state = 'field-start'
    this.started = false
    return record
  }
}

const stripCr = (field: string): string =>
  field.charCodeAt(field.length - 1) === CR ? field.slice(0, -1) : field
