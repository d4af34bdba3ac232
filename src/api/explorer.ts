/**
 * The explorer page at `/`: plain HTML, one ES module and one stylesheet from the package's
 * `explorer/` directory (shipped in the npm package, no build step), which call the Profile API
 * from the browser. Everything it shows comes from the API routes; the page itself holds no
 * data. `/explorer/tenants.json` lists the configured tenants for its tenant picker (none with
 * a tokens file: a token's holder types the tenant). Served with a strict Content-Security-Policy
 * (same-origin scripts, styles and requests only).
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { packageRoot } from '../cli/package-root.js'

export interface ExplorerOptions {
  /** The tenants the picker offers; empty: the user types one. */
  readonly tenants: readonly string[]
}

const ASSETS = [
  { url: '/', file: 'index.html', type: 'text/html; charset=utf-8' },
  { url: '/explorer/app.js', file: 'app.js', type: 'text/javascript; charset=utf-8' },
  { url: '/explorer/graph.js', file: 'graph.js', type: 'text/javascript; charset=utf-8' },
  { url: '/explorer/app.css', file: 'app.css', type: 'text/css; charset=utf-8' },
] as const

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

/** The directory holding the page's files (from src/ under tsx, or dist/src/ when built). */
export function explorerDir(): string {
  return join(packageRoot(), 'explorer')
}

/** Registers the page's routes; reads its files once, so a missing file fails at start. */
export async function registerExplorer(
  app: FastifyInstance,
  options: ExplorerOptions,
): Promise<void> {
  const dir = explorerDir()
  for (const asset of ASSETS) {
    const body = await readFile(join(dir, asset.file))
    app.get(asset.url, async (_request, reply) =>
      reply
        .type(asset.type)
        .header('content-security-policy', CSP)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-cache')
        .send(body),
    )
  }
  const tenants = { tenants: [...options.tenants] }
  app.get('/explorer/tenants.json', async (_request, reply) =>
    reply.header('cache-control', 'no-store').send(tenants),
  )
}
