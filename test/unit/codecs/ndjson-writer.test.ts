import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { NdjsonWriter } from '../../../src/codecs/ndjson.js'

let dir: string | null = null
afterEach(async () => {
  if (dir !== null) await rm(dir, { recursive: true, force: true })
  dir = null
})

describe('NdjsonWriter', () => {
  it('writes a large output without piling up listeners on the file stream', async () => {
    dir = await mkdtemp(join(tmpdir(), 'unifier-ndjson-'))
    const warnings: string[] = []
    const onWarning = (w: Error) => warnings.push(w.name)
    process.on('warning', onWarning)
    try {
      const writer = new NdjsonWriter(join(dir, 'out.ndjson'))
      const padding = 'x'.repeat(2048)
      // each line is larger than the stream's buffer allows: every write waits for 'drain'
      for (let i = 0; i < 2000; i++) await writer.write({ i, padding })
      await writer.close()
      await new Promise((resolve) => setImmediate(resolve))
    } finally {
      process.off('warning', onWarning)
    }
    expect(warnings).not.toContain('MaxListenersExceededWarning')
    const lines = (await readFile(join(dir, 'out.ndjson'), 'utf8')).trim().split('\n')
    expect(lines).toHaveLength(2000)
    expect(JSON.parse(lines[1999] as string)).toMatchObject({ i: 1999 })
  })
})
