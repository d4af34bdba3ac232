/**
 * The `unifier` bin starts Node with flags of its own (its shebang: a smaller young generation,
 * docs/configuration.md "Memory"). The container must run the processor the same way, and Node
 * must accept the flags (a bad shebang flag stops every command before it starts).
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { binNodeFlags } from '../../../bench/lib/bin-node-flags.js'
import { packageRoot } from '../../../src/topology/package-files.js'

const run = promisify(execFile)

describe("the bin's Node flags", () => {
  it('are flags Node accepts', async () => {
    const flags = binNodeFlags()
    expect(flags.length).toBeGreaterThan(0)
    const { stdout } = await run(process.execPath, [...flags, '-e', 'console.log("started")'])
    expect(stdout.trim()).toBe('started')
  })

  it("are the container's too: the Dockerfile runs the processor with the same flags", () => {
    const dockerfile = readFileSync(join(packageRoot(), 'Dockerfile'), 'utf8')
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1]
    expect(JSON.parse(cmd ?? 'null')).toEqual([
      'node',
      ...binNodeFlags(),
      'dist/src/cli/main.js',
      'run',
    ])
  })
})
