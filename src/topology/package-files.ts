import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The installed package's own directory, found by walking up from this module: it holds
 * schemas/ and topology/ whether we run from src/ (tsx, vitest) or from dist/src/ (built).
 */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'schemas', 'ContactEvent.avsc'))) return dir
    const parent = dirname(dir)
    if (parent === dir) break
    dir = parent
  }
  throw new Error('cannot find the package root (a directory with schemas/ContactEvent.avsc)')
}

export function defaultSchemasDir(): string {
  return join(packageRoot(), 'schemas')
}

export function defaultTopologyFile(): string {
  return join(packageRoot(), 'topology', 'topics.yaml')
}
