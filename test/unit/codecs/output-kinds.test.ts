import { describe, expect, it } from 'vitest'
import { OUTPUT_KINDS } from '../../../src/codecs/output-kinds.js'
import { ROLE_SCHEMAS } from '../../../src/topology/roles.js'

// One row per output kind: a consumer of one topic or one file never sees two kinds mixed.
describe('the output-kind table', () => {
  const rows = Object.entries(OUTPUT_KINDS)

  it('sends each kind to its own topic, one that has Avro schemas', () => {
    const roles = rows.map(([, row]) => row.role)
    expect(new Set(roles).size).toBe(rows.length)
    for (const role of roles) expect(ROLE_SCHEMAS[role]).not.toBeNull()
  })

  it('writes each kind to its own NDJSON file and counts it at most once', () => {
    const files = rows.map(([, row]) => row.file)
    expect(new Set(files).size).toBe(rows.length)
    const stats = rows.flatMap(([, row]) => (row.stat === null ? [] : [row.stat]))
    expect(new Set(stats).size).toBe(stats.length)
  })
})
