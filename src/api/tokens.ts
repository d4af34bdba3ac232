/**
 * API access tokens (docs/api.md, "Access"): a tokens file lists one entry per application with
 * the SHA-256 of its token (never the token), the tenants it may read ("*" for all), its scopes
 * and an optional rate limit. Tokens are random strings of at least 128 bits, so a fast hash
 * is the right one (nothing to brute-force); the server keeps only the hashes.
 *
 * ```yaml
 * tokens:
 *   - name: support-desk
 *     sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
 *     tenants: [acme]
 *     scopes: [profiles:read]
 *     rateLimit: { perSecond: 100, burst: 200 }
 * ```
 */
import { createHash, randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { parse } from 'yaml'
import { z } from 'zod'
import type { SegmentMapping } from '../connectors/segment.js'

/** `profiles:read`: the Profile API; `events:write`: HTTP ingest, as the token's `source`. */
export type Scope = 'profiles:read' | 'events:write'

const tokenEntry = z
  .object({
    name: z.string().min(1),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, "the token's SHA-256 as 64 lowercase hex digits (not the token)"),
    tenants: z.array(z.string().min(1)).min(1),
    scopes: z.array(z.enum(['profiles:read', 'events:write'])).min(1),
    /** The channel a writer's events come from; an event cannot claim another. */
    source: z.string().min(1).optional(),
    /** How this write key's Segment-compatible calls map (docs/connectors.md). */
    segment: z
      .object({
        userId: z.string().min(1).optional(),
        anonymousId: z.string().min(1).optional(),
        traits: z.record(z.string(), z.string().min(1)).optional(),
      })
      .strict()
      .optional(),
    rateLimit: z
      .object({
        perSecond: z.number().positive(),
        burst: z.number().int().positive().optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((t) => !t.scopes.includes('events:write') || t.source !== undefined, {
    message: 'a token with events:write names the source its events come from',
    path: ['source'],
  })

const tokensFile = z.object({ tokens: z.array(tokenEntry) }).strict()

export interface ApiToken {
  readonly name: string
  readonly sha256: string
  /** "*" means every tenant. */
  readonly tenants: readonly string[]
  readonly scopes: readonly Scope[]
  /** The source its events are written as (tokens with events:write). */
  readonly source: string | null
  /** Its Segment-compatible calls' mapping (a write key); null: the defaults. */
  readonly segment: SegmentMapping | null
  readonly rateLimit: { readonly perSecond: number; readonly burst: number } | null
}

export class TokensFileError extends Error {
  readonly code = 'invalid-tokens-file'
  readonly retriable = false
  constructor(origin: string, detail: string) {
    super(`${origin}: invalid tokens file: ${detail}`)
    this.name = 'TokensFileError'
  }
}

export function parseTokensFile(text: string, origin = 'tokens file'): ApiToken[] {
  let raw: unknown
  try {
    raw = parse(text)
  } catch (err) {
    throw new TokensFileError(origin, err instanceof Error ? err.message : String(err))
  }
  const parsed = tokensFile.safeParse(raw)
  if (!parsed.success)
    throw new TokensFileError(
      origin,
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
    )
  const seen = new Set<string>()
  return parsed.data.tokens.map((t) => {
    if (seen.has(t.sha256)) throw new TokensFileError(origin, `token ${t.name}: hash listed twice`)
    seen.add(t.sha256)
    return {
      name: t.name,
      sha256: t.sha256,
      tenants: t.tenants,
      scopes: t.scopes,
      source: t.source ?? null,
      segment: t.segment ?? null,
      rateLimit:
        t.rateLimit === undefined
          ? null
          : {
              perSecond: t.rateLimit.perSecond,
              burst: t.rateLimit.burst ?? Math.max(1, Math.ceil(t.rateLimit.perSecond)),
            },
    }
  })
}

export async function loadTokensFile(path: string): Promise<ApiToken[]> {
  return parseTokensFile(await readFile(path, 'utf8'), path)
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

/** A new random token (192 bits, base64url) and the hash the tokens file holds. */
export function newToken(): { readonly token: string; readonly sha256: string } {
  const token = `pu_${randomBytes(24).toString('base64url')}`
  return { token, sha256: hashToken(token) }
}

export type AccessDecision =
  | { readonly ok: true; readonly token: ApiToken }
  | { readonly ok: false; readonly status: 401; readonly message: string }
  | { readonly ok: false; readonly status: 403; readonly message: string }
  | { readonly ok: false; readonly status: 429; readonly retryAfterSeconds: number }

/**
 * Who may call what: the bearer token's hash must be listed (else 401), name the tenant and
 * hold the scope (else 403), and stay within its rate limit (a token bucket per token, else
 * 429 with the seconds until a request would pass). `now` is milliseconds (an argument, for
 * tests).
 */
export class AccessControl {
  private readonly byHash: ReadonlyMap<string, ApiToken>
  private readonly buckets = new Map<string, { tokens: number; at: number }>()

  constructor(
    tokens: readonly ApiToken[],
    private readonly now: () => number = Date.now,
  ) {
    this.byHash = new Map(tokens.map((t) => [t.sha256, t]))
  }

  check(authorization: string | undefined, tenant: string, scope: Scope): AccessDecision {
    const m = /^Bearer ([\x21-\x7e]+)$/.exec(authorization ?? '')
    if (m === null) return { ok: false, status: 401, message: 'send Authorization: Bearer <token>' }
    const token = this.byHash.get(hashToken(m[1] as string))
    if (token === undefined) return { ok: false, status: 401, message: 'the token is not known' }
    if (!token.tenants.includes('*') && !token.tenants.includes(tenant))
      return { ok: false, status: 403, message: `token ${token.name} may not read this tenant` }
    if (!token.scopes.includes(scope))
      return { ok: false, status: 403, message: `token ${token.name} lacks the scope ${scope}` }
    if (token.rateLimit !== null) {
      const wait = this.take(token.sha256, token.rateLimit)
      if (wait > 0) return { ok: false, status: 429, retryAfterSeconds: Math.ceil(wait / 1000) }
    }
    return { ok: true, token }
  }

  /**
   * A Segment-compatible call's write key (HTTP Basic, the key as user name): a listed token
   * with events:write and exactly one tenant, which its calls are written to.
   */
  checkWriteKey(authorization: string | undefined): AccessDecision {
    const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(authorization ?? '')
    if (m === null) return { ok: false, status: 401, message: 'send the write key as HTTP Basic' }
    const key =
      Buffer.from(m[1] as string, 'base64')
        .toString('utf8')
        .split(':')[0] ?? ''
    const token = this.byHash.get(hashToken(key))
    if (token === undefined)
      return { ok: false, status: 401, message: 'the write key is not known' }
    if (!token.scopes.includes('events:write'))
      return { ok: false, status: 403, message: `token ${token.name} lacks the scope events:write` }
    if (token.tenants.length !== 1 || token.tenants[0] === '*')
      return {
        ok: false,
        status: 403,
        message: `token ${token.name} names more than one tenant: a write key writes to one`,
      }
    if (token.rateLimit !== null) {
      const wait = this.take(token.sha256, token.rateLimit)
      if (wait > 0) return { ok: false, status: 429, retryAfterSeconds: Math.ceil(wait / 1000) }
    }
    return { ok: true, token }
  }

  /** Takes one request from the token's bucket; the milliseconds to wait when it is empty. */
  private take(key: string, limit: { perSecond: number; burst: number }): number {
    const now = this.now()
    const b = this.buckets.get(key) ?? { tokens: limit.burst, at: now }
    b.tokens = Math.min(limit.burst, b.tokens + ((now - b.at) / 1000) * limit.perSecond)
    b.at = now
    this.buckets.set(key, b)
    if (b.tokens >= 1) {
      b.tokens -= 1
      return 0
    }
    return ((1 - b.tokens) / limit.perSecond) * 1000
  }
}
