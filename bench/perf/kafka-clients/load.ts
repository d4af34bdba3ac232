import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'

/**
 * A client package the project may not have installed: from the project's node_modules, or
 * else from `KAFKA_CLIENTS_MODULES` (a folder holding a node_modules/ of its own: a client
 * that cannot be a devDependency, such as one whose install builds native code from source).
 * Its version comes with it; the error says where it was looked for.
 */
export async function loadClient(
  name: string,
): Promise<{ module: unknown; version: string; from: string }> {
  const places = [import.meta.url]
  const extra = process.env.KAFKA_CLIENTS_MODULES
  if (extra !== undefined && extra !== '') places.push(join(extra, 'index.js'))
  const failures: string[] = []
  for (const place of places) {
    try {
      const entry = createRequire(place).resolve(name)
      const module: unknown = await import(pathToFileURL(entry).href)
      return {
        module,
        version: versionOf(entry, name),
        from: place === import.meta.url ? 'project' : (extra as string),
      }
    } catch (err) {
      failures.push(`${place}: ${(err as Error).message.split('\n')[0] ?? ''}`)
    }
  }
  throw new Error(`${name} cannot be loaded (${failures.join('; ')})`)
}

/** The version in the package.json above `entry` that names `name` (exports may hide it). */
function versionOf(entry: string, name: string): string {
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string
        version?: string
      }
      if (pkg.name === name) return pkg.version ?? 'unknown'
    } catch {
      // no package.json here
    }
  }
  return 'unknown'
}
