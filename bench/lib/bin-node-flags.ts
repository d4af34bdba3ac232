import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { packageRoot } from '../../src/topology/package-files.js'

/**
 * The Node flags the `unifier` bin starts with: its shebang line (`#!/usr/bin/env -S node
 * FLAGS`, src/cli/main.ts; the Dockerfile's CMD passes the same). Benchmarks that start the CLI
 * through `node --import tsx` pass them too, so they measure the process users run.
 */
export function binNodeFlags(): string[] {
  const first = readFileSync(join(packageRoot(), 'src', 'cli', 'main.ts'), 'utf8').split('\n')[0]
  const match = /^#!\/usr\/bin\/env(?: -S)? node(.*)$/.exec(first ?? '')
  if (match === null) throw new Error(`src/cli/main.ts: not a node shebang: ${first}`)
  return (match[1] ?? '')
    .trim()
    .split(/\s+/)
    .filter((flag) => flag !== '')
}
