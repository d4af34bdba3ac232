import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'

/** The directory holding this package's package.json, from src/ (tsx) or dist/src/ (built). */
export function packageRoot(from: string = import.meta.dirname): string {
  let dir = from
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error(`no package.json above ${from}`)
    dir = parent
  }
  return dir
}
