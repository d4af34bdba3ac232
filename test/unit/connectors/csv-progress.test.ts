import { describe, expect, it } from 'vitest'
import { CsvProgress, progressLine } from '../../../src/connectors/csv-progress.js'

function fakeStream(isTTY: boolean) {
  const written: string[] = []
  const stream = { isTTY, write: (text: string) => written.push(text) > 0 }
  return { stream: stream as unknown as NodeJS.WriteStream, written }
}

describe('CSV import progress', () => {
  it('shows rows, rows/s, bytes of the total and the time left at the current rate', () => {
    expect(progressLine(50_000, 256 * 1024 * 1024, 1024 * 1024 * 1024, 10_000)).toBe(
      'importing: 50000 rows, 5000 rows/s, 256.0 MiB of 1.0 GiB, 30s left',
    )
  })

  it('has no time left for stdin (no total)', () => {
    expect(progressLine(10, 2048, null, 1_000)).toBe('importing: 10 rows, 10 rows/s, 2.0 KiB')
  })

  it('draws only on a terminal, and clears its line when done', () => {
    const piped = fakeStream(false)
    new CsvProgress(100, piped.stream).update(1, 50)
    expect(piped.written).toEqual([])
    const tty = fakeStream(true)
    let now = 1_000
    const progress = new CsvProgress(100, tty.stream, () => now)
    now += 500
    progress.update(1, 50)
    progress.done()
    expect(tty.written[0]).toMatch(/^\rimporting: 1 rows, 2 rows\/s, 50 B of 100 B, 1s left/)
    expect(tty.written.at(-1)).toBe('\r\u001b[K')
  })
})
