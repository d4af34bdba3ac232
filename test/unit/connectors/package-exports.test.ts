/**
 * `profile-unifier/producer` is public API: the package's exports map must point at the file
 * `npm run build` emits for src/connectors/producer.ts, and that module must export the API
 * docs/producer.md documents. (The built package was imported by name once by hand:
 * `node -e "import('profile-unifier/producer')"` in the repository, a self-reference.)
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { packageRoot } from '../../../src/topology/package-files.js'

const root = packageRoot()
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  bin: Record<string, string>
  exports: Record<string, { types: string; default: string } | string>
  files: string[]
}
const build = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8')) as {
  include: string[]
  compilerOptions: { declaration?: boolean }
}
const base = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')) as {
  compilerOptions: { outDir: string; rootDir: string }
}

/** Where tsc (tsconfig.build.json: outDir dist, rootDir .) writes the output of a source file. */
const emitted = (source: string, ext: '.js' | '.d.ts'): string =>
  `./${join(base.compilerOptions.outDir, source.replace(/\.ts$/, ext))}`

describe('package exports', () => {
  it('maps profile-unifier/producer to what tsc emits for src/connectors/producer.ts', () => {
    const source = 'src/connectors/producer.ts'
    expect(existsSync(join(root, source))).toBe(true)
    expect(build.include).toContain('src')
    expect(build.compilerOptions.declaration).toBe(true)
    expect(base.compilerOptions.rootDir).toBe('.')
    expect(pkg.exports['./producer']).toEqual({
      types: emitted(source, '.d.ts'),
      default: emitted(source, '.js'),
    })
    expect(pkg.files).toContain(base.compilerOptions.outDir)
  })

  it('keeps the unifier bin pointing at the emitted CLI', () => {
    expect(`./${pkg.bin.unifier}`).toBe(emitted('src/cli/main.ts', '.js'))
  })

  it('exports createProducer and the typed errors from the module', async () => {
    const api = await import('../../../src/connectors/producer.js')
    expect(typeof api.createProducer).toBe('function')
    expect(typeof api.uuid7).toBe('function')
    expect(new api.ProducerError('buffer-full', 'x').retriable).toBe(true)
    expect(new api.InvalidEventError('tenant', ['tenant: x']).field).toBe('tenant')
  })
})
