import { join, relative } from 'node:path'
import { packageRoot } from './package-root.js'

/** The bundled sample that `npm start` (and `unifier run --embedded` by default) resolves. */
export const DEFAULT_START = {
  config: join(packageRoot(), 'samples', 'identity.yaml'),
  input: join(packageRoot(), 'samples', 'events.ndjson'),
} as const

/** A path as a person would type it from the working directory. */
export function shown(path: string): string {
  const rel = relative(process.cwd(), path)
  return rel === '' ? '.' : rel.startsWith('..') ? path : rel
}
