import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stitch } from '../../../bench/baseline/stitch.js'

let dir: string
let file: string
const event = (eventId: string, ids: [string, string][]) =>
  JSON.stringify({
    eventId,
    tenant: 'acme',
    source: 'web',
    timestamp: 0,
    identifiers: ids.map(([type, value]) => ({ type, value })),
  })

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baseline-test-'))
  file = join(dir, 'events.ndjson')
  await writeFile(
    file,
    [
      event('e1', [
        ['email', ' Ann@X.com'],
        ['phone', '(212) 200-1234'],
      ]),
      event('e2', [
        ['phone', '+1 212-200-1234'],
        ['device_id', 'ABC'],
      ]),
      event('e3', [['email', 'bob@y.com']]),
      event('e4', [
        ['email', 'bob@y.com'],
        ['loyalty_card', '0000'],
      ]),
      event('e5', [
        ['email', 'cat@z.com'],
        ['loyalty_card', '0000'],
      ]),
      event('e6', [
        ['email', 'dan@z.com'],
        ['phone', '000-000-0000'],
      ]),
      event('e2', [
        ['phone', '+1 212-200-1234'],
        ['device_id', 'ABC'],
      ]),
      '{"eventId":"broken","identifiers":[{"type":"email","val',
    ].join('\n') + '\n',
  )
})
afterAll(() => rm(dir, { recursive: true, force: true }))

const sorted = (profiles: string[][]) =>
  profiles.map((p) => p.map((key) => key.replace('\u001f', ':')).sort()).sort()

describe('warehouse baseline (DuckDB connected components)', () => {
  it('joins identifiers seen together, transitively, after normalising them in SQL', async () => {
    const { profiles, timings } = await stitch([file], { denyList: true, threads: 1 })
    expect(sorted(profiles)).toEqual([
      ['device_id:abc', 'email:ann@x.com', 'phone:+12122001234'],
      ['email:bob@y.com'],
      ['email:cat@z.com'],
      ['email:dan@z.com'],
    ])
    expect(timings.events).toBe(6)
  })

  it('fuses everyone who typed the same placeholder when nothing blocks it', async () => {
    const { profiles } = await stitch([file], { denyList: false, threads: 1 })
    expect(sorted(profiles)).toContainEqual([
      'email:bob@y.com',
      'email:cat@z.com',
      'loyalty_card:0000',
    ])
  })
})
