/**
 * Reads and validates the identity config (YAML or JSON; JSON is parsed as YAML 1.2), once at
 * start. Every problem names its path and line: schema issues from zod and contradictions
 * found after merging a tenant over "*" are mapped back to the YAML node that caused them.
 * The core receives the typed result and never reads files.
 */
import { readFile } from 'node:fs/promises'
import { LineCounter, parseDocument, type Document } from 'yaml'
import type { IdentityConfig, TenantIdentityConfig } from '../core/config.js'
import { hasControlCharacter } from '../core/text.js'
import { finalizeTenant, mergeSections } from './identity-config-rules.js'
import { identityFileSchema, RESERVED_NAMES } from './identity-config-schema.js'
import { CodedError } from '../ports/coded-error.js'

export const DEFAULTS_TENANT = '*'

export interface ConfigIssue {
  readonly path: string
  /** 1-based; null when the path has no node in the file (e.g. a missing section). */
  readonly line: number | null
  readonly message: string
}

export class IdentityConfigError extends CodedError<'invalid-identity-config'> {
  constructor(
    readonly origin: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(
      'invalid-identity-config',
      `${origin}: invalid identity config\n` +
        issues
          .map(
            (i) =>
              `  ${origin}:${i.line ?? '?'}: ${i.path === '' ? '(root)' : i.path}: ${i.message}`,
          )
          .join('\n'),
      false,
    )
    this.name = 'IdentityConfigError'
  }
}

type Path = readonly (string | number)[]

function formatPath(path: Path): string {
  return path
    .map((p, i) =>
      typeof p === 'number'
        ? `[${p}]`
        : /^[A-Za-z_][\w-]*$/.test(p)
          ? i === 0
            ? p
            : `.${p}`
          : `["${p}"]`,
    )
    .join('')
}

/** The line of the deepest node on `path` that exists in the document. */
function lineOf(doc: Document, counter: LineCounter, path: Path): number | null {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true)
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range
    if (range !== undefined) return counter.linePos(range[0]).line
  }
  return null
}

export function parseIdentityConfig(text: string, origin = 'identity config'): IdentityConfig {
  const counter = new LineCounter()
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true })
  if (doc.errors.length > 0) {
    throw new IdentityConfigError(
      origin,
      doc.errors.map((e) => ({
        path: '',
        line: counter.linePos(e.pos[0]).line,
        message: e.message.split('\n')[0] ?? e.message,
      })),
    )
  }
  const raw: unknown = doc.toJS()
  const reserved = reservedNamePaths(raw)
  if (reserved.length > 0) {
    throw new IdentityConfigError(
      origin,
      reserved.map((path) => ({
        path: formatPath(path),
        line: lineOf(doc, counter, path),
        message: `"${String(path.at(-1))}" is a reserved name; choose another`,
      })),
    )
  }
  const parsed = identityFileSchema.safeParse(raw)
  if (!parsed.success) {
    throw new IdentityConfigError(
      origin,
      parsed.error.issues.map((issue) => {
        const path: (string | number)[] = issue.path.map((p) =>
          typeof p === 'number' ? p : String(p),
        )
        if (issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined)
          path.push(issue.keys[0])
        // zod reports a refused record key as "Invalid key in record"; the reason is inside.
        const message =
          issue.code === 'invalid_key' && issue.issues[0] !== undefined
            ? `"${String(path.at(-1))}" ${issue.issues[0].message}`
            : issue.message
        return { path: formatPath(path), line: lineOf(doc, counter, path), message }
      }),
    )
  }

  const sections = parsed.data.tenants
  const issues: ConfigIssue[] = []
  const reported = new Set<string>()
  /** Blame the tenant's own node when it has one, else the "*" node it inherited. */
  const report = (tenant: string, path: Path, message: string) => {
    const own: Path = ['tenants', tenant, ...path]
    const inherited: Path = ['tenants', DEFAULTS_TENANT, ...path]
    const at =
      tenant !== DEFAULTS_TENANT &&
      doc.getIn(own, true) === undefined &&
      doc.getIn(inherited, true) !== undefined
        ? inherited
        : own
    const issue = { path: formatPath(at), line: lineOf(doc, counter, at), message }
    const key = `${issue.path}\n${message}`
    if (!reported.has(key)) {
      reported.add(key)
      issues.push(issue)
    }
  }

  const base = sections[DEFAULTS_TENANT]
  let defaults: TenantIdentityConfig | null = null
  if (base !== undefined) {
    const r = finalizeTenant(base)
    for (const p of r.problems) report(DEFAULTS_TENANT, p.path, p.message)
    defaults = r.config
  }
  const tenants: Record<string, TenantIdentityConfig> = {}
  for (const [name, section] of Object.entries(sections)) {
    if (name === DEFAULTS_TENANT) continue
    if (hasControlCharacter(name)) {
      report(name, [], 'a tenant name must not contain control or format characters')
      continue
    }
    const r = finalizeTenant(mergeSections(base, section))
    for (const p of r.problems) report(name, p.path, p.message)
    tenants[name] = r.config
  }
  if (base === undefined && Object.keys(tenants).length === 0)
    issues.push({
      path: 'tenants',
      line: lineOf(doc, counter, ['tenants']),
      message: 'no tenant is configured',
    })
  if (issues.length > 0) throw new IdentityConfigError(origin, issues)
  return { tenants, defaults }
}

export async function loadIdentityConfig(path: string): Promise<IdentityConfig> {
  return parseIdentityConfig(await readFile(path, 'utf8'), path)
}

/**
 * `__proto__` survives YAML and JSON parsing as an own key but not zod's record parsing, so
 * reserved identifier and attribute names are looked for on the raw document first.
 */
function reservedNamePaths(raw: unknown): Path[] {
  const paths: Path[] = []
  const tenants = (raw as { tenants?: unknown } | null)?.tenants
  if (typeof tenants !== 'object' || tenants === null) return paths
  for (const [tenant, section] of Object.entries(tenants)) {
    if (typeof section !== 'object' || section === null) continue
    for (const part of ['identifiers', 'attributes'] as const) {
      const names = (section as Record<string, unknown>)[part]
      if (typeof names !== 'object' || names === null) continue
      for (const name of Object.keys(names))
        if (RESERVED_NAMES.has(name)) paths.push(['tenants', tenant, part, name])
    }
  }
  return paths
}
