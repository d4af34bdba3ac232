/**
 * The Profile API's read side: answers for one tenant from a byte store holding the processor's
 * committed state (the embedded mode's RocksDB store; later a Kafka read replica's), with the
 * core's own read functions (src/core/profile-read.ts, explain-pair.ts). The several read rounds
 * of an answer see one committed state: given the store's write feed, the answer reads without
 * a snapshot, through a cache of decoded records, and is answered again from a snapshot if a
 * batch was applied meanwhile (committed-records.ts); without it, each answer reads a snapshot
 * when the store offers one.
 * Answers are plain JSON in the API's shapes (schemas.ts); HTTP lives in routes.ts.
 */
import type { IdentityConfig } from '../core/config.js'
import { explainPair, type ApartReason, type HeldBy } from '../core/explain-pair.js'
import {
  normalizeQuery,
  readByIdentifier,
  readManyByIdentifier,
  readProfile,
  readProfileIdentifiers,
  type QueryIdentifier,
} from '../core/profile-read.js'
import type { StateReader } from '../core/state.js'
import type { StateRecord } from '../core/state-records.js'
import { compileTenants, type CompiledTenants } from '../core/tenant-rules.js'
import type { Identifier } from '../core/types.js'
import type { WriteFeed } from '../state/observed-store.js'
import { msgpackCodec, type RecordCodec } from '../state/record-codec.js'
import {
  evidenceJson,
  exported,
  mergeJson,
  reasonJson,
  sideJson,
  type BatchGetResult,
  type ExplainAnswer,
  type HistoryAnswer,
  type IdentifierAnswer,
  type IdentifiersAnswer,
  type ProfileAnswer,
  type SearchAnswer,
  type SearchResultJson,
  type TimelineAnswer,
} from './answers.js'
import { CommittedRecords, DEFAULT_CACHED_RECORDS } from './committed-records.js'
import type { ApiErrorCode } from './errors.js'
import type { HistoryIndex } from './history.js'
import type { IndexQuery, SearchIndex } from './search-index.js'
import {
  decodeCursor,
  encodeCursor,
  parseSearch,
  searchFingerprint,
  type SearchParams,
} from './search-query.js'
import { searchableText, textMatches } from './search-terms.js'
import { parseEventTimestamp } from '../core/datetime.js'
import type { ProfileSnapshot, TimelineEntry } from '../core/types.js'

/** What the read side needs of a store: point reads, and a consistent view if it has one. */
export interface StateSource {
  getMany(keys: readonly string[]): Promise<Array<Uint8Array | undefined>>
  snapshot?(): {
    getMany(keys: readonly string[]): Promise<Array<Uint8Array | undefined>>
    close(): Promise<void>
  }
}

/**
 * The write notifications of every batch applied to the store (the WriteObservedStore the
 * replica or the embedded processor writes through), and how many decoded records to cache.
 */
export interface CommittedWrites {
  readonly feed: WriteFeed
  /** Default DEFAULT_CACHED_RECORDS; 0 reads without snapshots but caches nothing. */
  readonly cachedRecords?: number
}

/** An answer, or the error the route turns into `{"error": {code, message}}`. */
export type Answer<T> =
  | { readonly ok: true; readonly body: T }
  | {
      readonly ok: false
      readonly status: 400 | 404 | 422 | 503
      readonly code: ApiErrorCode
      readonly message: string
    }

export class ProfileReadSide {
  private readonly tenants: CompiledTenants
  private readonly codec: RecordCodec<StateRecord> = msgpackCodec<StateRecord>()
  private readonly committed: CommittedRecords | null

  constructor(
    config: IdentityConfig,
    private readonly source: StateSource,
    /** The identity-event index the history route reads (history.ts); null: no history here. */
    private readonly historyIndex: HistoryIndex | null = null,
    /** The search index (search-index.ts); null: search answers 503 here. */
    private readonly searchIndex: SearchIndex | null = null,
    /** Null: the writes are not observable here; every answer reads a snapshot. */
    writes: CommittedWrites | null = null,
  ) {
    this.tenants = compileTenants(config)
    this.committed =
      writes === null
        ? null
        : new CommittedRecords(
            writes.feed,
            source,
            this.codec,
            writes.cachedRecords ?? DEFAULT_CACHED_RECORDS,
          )
  }

  /** Decoded records cached now (0 without a write feed). */
  get cachedRecords(): number {
    return this.committed?.size ?? 0
  }

  profile(tenant: string, profileId: string): Promise<Answer<ProfileAnswer>> {
    return this.reading(tenant, async (state) => {
      const r = await readProfile(tenant, profileId, state)
      switch (r.kind) {
        case 'live':
          return ok(exported(r.profile))
        case 'retired':
          return ok({
            ...exported(r.profile),
            resolvedFrom: { retiredId: r.retiredId, chain: r.chain.map(mergeJson) },
          })
        case 'deleted':
        case 'unknown':
          return profileGone(r.kind)
      }
    })
  }

  identifier(tenant: string, type: string, value: string): Promise<Answer<IdentifierAnswer>> {
    return this.reading(tenant, async (state) => {
      const q = this.normalize(tenant, type, value)
      if (!q.ok) return q
      const p = await readByIdentifier(tenant, q.body, state)
      if (p === null) return fail(404, 'not-found', 'no profile holds this identifier')
      return ok({ ...exported(p), matched: q.body })
    })
  }

  /**
   * Many identifiers in one call (one snapshot, batched reads): each result carries the
   * identifier as sent and either the profile (status 200) or the error the single lookup
   * would have answered (404, 422).
   */
  batchGet(
    tenant: string,
    identifiers: readonly Identifier[],
  ): Promise<Answer<{ readonly results: readonly BatchGetResult[] }>> {
    return this.reading(tenant, async (state) => {
      const queries = identifiers.map((id) => this.normalize(tenant, id.type, id.value))
      const valid: Identifier[] = []
      for (const q of queries) if (q.ok) valid.push(q.body)
      const found = await readManyByIdentifier(tenant, valid, state)
      let next = 0
      const results = identifiers.map((sent, i): BatchGetResult => {
        const q = queries[i] as Answer<Identifier>
        const asSent = { type: sent.type, value: sent.value }
        if (!q.ok) return { ...asSent, status: 422, error: { code: q.code, message: q.message } }
        const profile = found[next++] ?? null
        if (profile === null)
          return {
            ...asSent,
            status: 404,
            error: { code: 'not-found', message: 'no profile holds this identifier' },
          }
        return { ...asSent, status: 200, profile: { ...exported(profile), matched: q.body } }
      })
      return ok({ results })
    })
  }

  identifiers(tenant: string, profileId: string): Promise<Answer<IdentifiersAnswer>> {
    return this.reading(tenant, async (state) => {
      const r = await readProfileIdentifiers(tenant, profileId, state)
      switch (r.kind) {
        case 'found':
          return ok({
            tenant,
            profileId: r.profileId,
            identifiers: r.identifiers.map((h) => ({
              type: h.identifier.type,
              value: h.identifier.value,
              attachedTo: h.attachedTo,
              attachedBy: evidenceJson(h.attachedBy),
              merges: h.merges.map(mergeJson),
            })),
            departed: r.departed.map((d) => ({
              type: d.identifier.type,
              value: d.identifier.value,
              kind: d.kind,
              arrived: mergeJson(d.arrived),
              heldBy: d.heldBy,
              movedBy: d.movedBy === null ? null : evidenceJson(d.movedBy),
            })),
          })
        case 'deleted':
        case 'unknown':
          return profileGone(r.kind)
      }
    })
  }

  /**
   * Merges into the profile, reassignments from and to it, refused merges involving it, for
   * every id of its set, oldest first. A merged-away id answers its survivor's history.
   */
  history(tenant: string, profileId: string): Promise<Answer<HistoryAnswer>> {
    return this.reading(tenant, async (state) => {
      const index = this.historyIndex
      if (index === null)
        return fail(503, 'unavailable', 'this server keeps no history index (docs/api.md)')
      const r = await readProfile(tenant, profileId, state)
      switch (r.kind) {
        case 'deleted':
        case 'unknown':
          return profileGone(r.kind)
        case 'live':
        case 'retired': {
          await index.catchUp()
          const ids = [r.profile.profileId, ...r.profile.mergedFrom]
          return ok({ tenant, profileId: r.profile.profileId, entries: index.entries(tenant, ids) })
        }
      }
    })
  }

  /**
   * Ranked, keyset-paginated search over the tenant's live profiles (search-query.ts has the
   * syntax). The index gives the ranked ids; each result is read from the committed state.
   */
  async search(tenant: string, params: SearchParams): Promise<Answer<SearchAnswer>> {
    const index = this.searchIndex
    if (this.tenants.get(tenant) === null)
      return fail(404, 'tenant-not-found', 'the tenant is not configured')
    if (index === null) return fail(503, 'unavailable', 'this server keeps no search index')
    if (!index.isReady)
      return fail(503, 'unavailable', 'the search index is being built; retry in a moment')
    const parsed = parseSearch(this.tenantRules(tenant), params)
    if (!parsed.ok) return fail(400, 'bad-request', parsed.message)
    const query = parsed.value
    await index.settled()
    const { hits, more } = index.search(tenant, query)
    return this.reading(tenant, async (state) => {
      const read = await Promise.all(hits.map((h) => readProfile(tenant, h.rootId, state)))
      const results: SearchResultJson[] = []
      read.forEach((r, i) => {
        if (r.kind !== 'live' && r.kind !== 'retired') return // gone since it was indexed
        const hit = hits[i] as (typeof hits)[number]
        results.push({
          profileId: r.profile.profileId,
          score: hit.score,
          identifiers: r.profile.identifiers,
          attributes: r.profile.attributes,
          matched: this.matchedFields(tenant, r.profile, query),
        })
      })
      const last = hits.at(-1)
      return ok({
        results,
        nextCursor:
          more && last !== undefined
            ? encodeCursor([last.score, last.profileId, searchFingerprint(query)])
            : null,
      })
    })
  }

  private matchedFields(tenant: string, p: ProfileSnapshot, q: IndexQuery): string[] {
    const types = this.tenantRules(tenant).attributeTypes
    const found = new Set<string>()
    for (const term of q.terms) {
      for (const id of p.identifiers)
        if (textMatches(id.value, term)) found.add(`identifier:${id.type}`)
      for (const [name, value] of Object.entries(p.attributes)) {
        const text = searchableText(types.get(name), value)
        if (text !== null && textMatches(text, term)) found.add(`attribute:${name}`)
      }
    }
    for (const f of q.filters) {
      switch (f.kind) {
        case 'has':
          if (p.identifiers.some((id) => id.type === f.identifierType))
            found.add(`identifier:${f.identifierType}`)
          break
        case 'boolean':
          if (p.attributes[f.attribute] === f.value) found.add(`attribute:${f.attribute}`)
          break
        case 'range': {
          const v = p.attributes[f.attribute]
          const t = typeof v === 'string' ? parseEventTimestamp(v) : null
          const n = typeof v === 'number' ? v : t?.ok === true ? t.ms : NaN
          if (n >= f.from && n <= f.to) found.add(`attribute:${f.attribute}`)
          break
        }
      }
    }
    return [...found]
  }

  /**
   * The profile's timeline (notes of every profile merged into it, newest first, capped by the
   * tenant's timelineCap), a page at a time; the cursor names the last entry given, so entries
   * added meanwhile (newer ones) never shift a page.
   */
  timeline(
    tenant: string,
    profileId: string,
    limit: number,
    cursor: string | undefined,
  ): Promise<Answer<TimelineAnswer>> {
    return this.reading(tenant, async (state) => {
      let after: { timestamp: number; eventId: string } | null = null
      if (cursor !== undefined) {
        const c = decodeCursor(cursor)
        if (c?.length !== 3 || c[0] !== 't' || typeof c[1] !== 'number' || typeof c[2] !== 'string')
          return fail(
            400,
            'bad-request',
            'cursor: not a cursor of a timeline (pass nextCursor back)',
          )
        after = { timestamp: c[1], eventId: c[2] }
      }
      const r = await readProfile(tenant, profileId, state)
      switch (r.kind) {
        case 'deleted':
        case 'unknown':
          return profileGone(r.kind)
        case 'live':
        case 'retired': {
          const a = after
          // newest first, equal timestamps by eventId descending (the core's order)
          const rest =
            a === null
              ? r.profile.timeline
              : r.profile.timeline.filter(
                  (e) =>
                    e.timestamp < a.timestamp ||
                    (e.timestamp === a.timestamp && e.eventId < a.eventId),
                )
          const entries: TimelineEntry[] = rest.slice(0, limit)
          const last = entries.at(-1)
          return ok({
            tenant,
            profileId: r.profile.profileId,
            entries,
            nextCursor:
              rest.length > limit && last !== undefined
                ? encodeCursor(['t', last.timestamp, last.eventId])
                : null,
          })
        }
      }
    })
  }

  /** `a` and `b` as `type:value` (the value may contain ':'). */
  explain(tenant: string, a: string, b: string): Promise<Answer<ExplainAnswer>> {
    return this.reading(tenant, async (state): Promise<Answer<ExplainAnswer>> => {
      const qa = this.parseQuery(tenant, 'a', a)
      if (!qa.ok) return qa
      const qb = this.parseQuery(tenant, 'b', b)
      if (!qb.ok) return qb
      const r = await explainPair(this.tenantRules(tenant), tenant, qa.body, qb.body, state)
      switch (r.kind) {
        case 'unheld':
          return fail(
            404,
            'not-found',
            `no profile holds ${r.identifiers.map((i) => (i === qa.body ? 'a' : 'b')).join(' or ')}`,
          )
        case 'together':
          return ok({
            together: true,
            profileId: r.profileId,
            a: sideJson(r.a),
            b: sideJson(r.b),
            steps: r.steps.map((s) => ({
              action: s.action,
              eventId: s.eventId,
              source: s.source,
              timestamp: s.timestamp,
              identifier: s.identifier,
              profileId: s.profileId,
              merged: s.merged,
            })),
          })
        case 'apart': {
          const reason =
            r.reason.kind === 'reassigned'
              ? r.reason
              : ((await this.reassignedPerHistory(tenant, r.a, r.b, state)) ?? r.reason)
          return ok({
            together: false,
            a: sideJson(r.a),
            b: sideJson(r.b),
            reason: reasonJson(reason),
          })
        }
      }
    })
  }

  /**
   * State cannot show a reassignment of an identifier that was attached straight to the other
   * profile (the link is rewritten); the history index can: the `link-reassigned` record of the
   * event that attached it where it is now, moving it out of the other's set.
   */
  private async reassignedPerHistory(
    tenant: string,
    a: HeldBy,
    b: HeldBy,
    state: StateReader<StateRecord>,
  ): Promise<ApartReason | null> {
    const index = this.historyIndex
    if (index === null) return null
    await index.catchUp()
    for (const [moved, other] of [
      [b, a],
      [a, b],
    ] as const) {
      const set = await readProfile(tenant, other.profileId, state)
      if (set.kind !== 'live') continue
      const ids = new Set([set.profile.profileId, ...set.profile.mergedFrom])
      const entry = index
        .entries(tenant, [...ids])
        .find(
          (e) =>
            e.kind === 'reassigned' &&
            e.eventId === moved.attachedBy.eventId &&
            ids.has(e.from) &&
            e.identifier.type === moved.identifier.type &&
            e.identifier.value === moved.identifier.value,
        )
      if (entry !== undefined)
        return {
          kind: 'reassigned',
          identifier: moved.identifier,
          from: other.profileId,
          to: moved.profileId,
          by: moved.attachedBy,
        }
    }
    return null
  }

  private tenantRules(tenant: string) {
    const t = this.tenants.get(tenant)
    // reading() answered 404 for an unconfigured tenant already
    if (t === null) throw new Error('tenant is not configured')
    return t
  }

  private parseQuery(tenant: string, name: 'a' | 'b', text: string): Answer<Identifier> {
    const colon = text.indexOf(':')
    if (colon <= 0)
      return fail(400, 'bad-request', `${name} must be written type:value (e.g. email:ann@x.com)`)
    return this.normalize(tenant, text.slice(0, colon), text.slice(colon + 1), name)
  }

  private normalize(
    tenant: string,
    type: string,
    value: string,
    name?: string,
  ): Answer<Identifier> {
    const q: QueryIdentifier = normalizeQuery(this.tenants, tenant, type, value)
    if (q.ok) return ok(q.identifier)
    const prefix = name === undefined ? '' : `${name}: `
    switch (q.reason) {
      case 'unknown-tenant':
        return fail(404, 'tenant-not-found', 'the tenant is not configured')
      case 'unknown-type':
        return fail(
          422,
          'unknown-type',
          `${prefix}the tenant has no identifier type ${JSON.stringify(type)} (resolution rule 1)`,
        )
      case 'blocked':
        return fail(
          422,
          'blocked',
          `${prefix}the ${type} value is blocked: a placeholder on the built-in deny-list or one of the tenant's blocked values or patterns (resolution rule 1)`,
        )
      case 'invalid':
        return fail(
          422,
          'invalid',
          `${prefix}the value is not a valid ${type} after normalisation (resolution rule 1)`,
        )
      case 'too-long':
        return fail(
          422,
          'too-long',
          `${prefix}the ${type} value is longer than the type's maxLength (resolution rule 1)`,
        )
    }
  }

  /**
   * Runs one answer over one committed state of the store: read through the cache when no
   * batch is applied meanwhile, else over a snapshot. An unconfigured tenant is a 404.
   */
  private async reading<T>(
    tenant: string,
    answer: (state: StateReader<StateRecord>) => Promise<Answer<T>>,
  ): Promise<Answer<T>> {
    if (this.tenants.get(tenant) === null)
      return fail(404, 'tenant-not-found', 'the tenant is not configured')
    const optimistic = this.committed?.reader() ?? null
    if (optimistic !== null) {
      try {
        const answered = await answer(optimistic)
        if (optimistic.unchanged()) return answered
      } catch (err) {
        if (optimistic.unchanged()) throw err
      }
      // a batch was applied while the rounds read: they may straddle it; read a snapshot
    }
    const snap = this.source.snapshot?.() ?? null
    const reader = snap ?? this.source
    const state: StateReader<StateRecord> = {
      getMany: async (keys) =>
        (await reader.getMany(keys)).map((b) =>
          b === undefined ? undefined : this.codec.decode(b),
        ),
    }
    try {
      return await answer(state)
    } finally {
      await snap?.close()
    }
  }
}

function ok<T>(body: T): Answer<T> {
  return { ok: true, body }
}

/** The 404 of a profile id that is not live: deleted by a forget event, or never seen. */
function profileGone(kind: 'deleted' | 'unknown'): Answer<never> {
  return kind === 'deleted'
    ? fail(404, 'deleted', 'the profile was deleted (a forget event)')
    : fail(404, 'not-found', 'no profile has this id')
}

function fail(status: 400 | 404 | 422 | 503, code: ApiErrorCode, message: string): Answer<never> {
  return { ok: false, status, code, message }
}
