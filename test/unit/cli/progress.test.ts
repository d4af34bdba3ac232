import { describe, expect, it } from 'vitest'
import { Progress } from '../../../src/cli/progress.js'

function fakeStream(isTTY: boolean) {
  const written: string[] = []
  const stream = { isTTY, write: (text: string) => written.push(text) > 0 }
  return { stream: stream as unknown as NodeJS.WriteStream, written }
}

describe('Progress', () => {
  it('draws nothing when stderr is not a terminal, so piped output stays clean', () => {
    const { stream, written } = fakeStream(false)
    const progress = new Progress('resolving', stream)
    progress.update(10, 0.5)
    progress.done()
    expect(written).toEqual([])
  })

  it('draws a bar with the fraction and the event count on a terminal, and clears it when done', () => {
    const { stream, written } = fakeStream(true)
    const progress = new Progress('resolving', stream)
    progress.update(1234, 0.5)
    expect(written[0]).toMatch(/^\rresolving \[#{15}\.{15}\] 50% 1234 events/)
    progress.done()
    expect(written.at(-1)).toBe('\r\u001b[K')
  })
})
