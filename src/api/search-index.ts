/**
 * The search index of the Profile API: per tenant, an inverted index (word → profiles, with a
 * weight class) over identifiers and searchable attribute values, a sorted vocabulary for
 * prefix matching, and typed columns (numbers and datetimes as Float64Array, booleans and
 * "holds an identifier of this type" as Uint8Array) for filters. Built from the state store by
 * one scan at start, then kept current from the store's write batches (WriteObservedStore): each
 * batch marks the profile records it touched, which are read back from the store and indexed
 * again, or dropped when they are no longer live (merged away, forgotten). The store holds
 * committed state only, so the index does too. In memory; nothing is persisted.
 */
import type { IdentityConfig } from '../core/config.js'
import { parseEventTimestamp } from '../core/datetime.js'
import { chunkKey, parseKey, profileKey } from '../core/keys.js'
import type { StateRecord } from '../core/state-records.js'
import { compileTenants, type CompiledTenants } from '../core/tenant-rules.js'
import type { KeyValueWrite } from '../ports/key-value-store.js'
import { exportProfile, memberChunks, type ExportedProfile } from '../state/profiles.js'
import { msgpackCodec } from '../state/record-codec.js'
import { WriteObservedStore, type WriteListener } from '../state/observed-store.js'
import type { KeyValueStore } from '../ports/key-value-store.js'
import { profileWords, splitsFurther, type QueryTerm } from './search-terms.js'
import { SortedWords } from './sorted-words.js'

/** A typed filter, already checked against the tenant's config (search-query.ts). */
export type SearchFilter =
  | {
      readonly kind: 'range'
      readonly attribute: string
      readonly from: number
      readonly to: number
    }
  | { readonly kind: 'boolean'; readonly attribute: string; readonly value: boolean }
  | { readonly kind: 'has'; readonly identifierType: string }

export interface IndexQuery {
  readonly terms: readonly QueryTerm[]
  readonly filters: readonly SearchFilter[]
  readonly match: 'all' | 'any'
  readonly limit: number
  /** Keyset: only hits ranked after this one (score descending, then profileId ascending). */
  readonly after: { readonly score: number; readonly profileId: string } | null
}

export interface IndexHit {
  /** The union-find root id the profile is stored under (read it with readProfile). */
  readonly rootId: string
  readonly profileId: string
  readonly score: number
}

/** Prefix matching looks at this many vocabulary words per term at most. */
export const PREFIX_MAX = 200
/** A filter a profile meets adds this to its score. */
const FILTER_SCORE = 1

/** Posting: one profile as doc * 8 + weight, or a map doc → weight. */
type Posting = number | Map<number, number>

interface Hits {
  readonly size: number
  weight(doc: number): number
  forEach(fn: (weight: number, doc: number) => void): void
}

const NO_HITS: Hits = { size: 0, weight: () => 0, forEach: () => undefined }

function postingHits(p: Posting | undefined): Hits {
  if (p === undefined) return NO_HITS
  if (typeof p === 'number') {
    const doc = Math.floor(p / 8)
    const w = p % 8
    return { size: 1, weight: (d) => (d === doc ? w : 0), forEach: (fn) => fn(w, doc) }
  }
  return { size: p.size, weight: (d) => p.get(d) ?? 0, forEach: (fn) => p.forEach(fn) }
}

function mapHits(m: Map<number, number>): Hits {
  return { size: m.size, weight: (d) => m.get(d) ?? 0, forEach: (fn) => m.forEach(fn) }
}

class TenantIndex {
  private readonly byRoot = new Map<string, number>()
  private readonly roots: string[] = []
  private readonly ids: string[] = []
  private readonly words: Array<readonly string[] | null> = []
  private readonly free: number[] = []
  private readonly postings = new Map<string, Posting>()
  private readonly vocab = new SortedWords()
  private readonly numbers = new Map<string, Float64Array>()
  private readonly flags = new Map<string, Uint8Array>()
  private capacity = 0

  constructor(
    private readonly types: ReadonlyMap<string, 'string' | 'number' | 'datetime' | 'boolean'>,
  ) {}

  get size(): number {
    return this.byRoot.size
  }

  put(rootId: string, p: ExportedProfile): void {
    let doc = this.byRoot.get(rootId)
    if (doc === undefined) {
      doc = this.free.pop() ?? this.roots.length
      this.byRoot.set(rootId, doc)
      this.grow(doc + 1)
    }
    this.roots[doc] = rootId
    this.ids[doc] = p.profileId
    const next = profileWords(p.identifiers, p.attributes, this.types)
    for (const w of this.words[doc] ?? []) if (!next.has(w)) this.unpost(w, doc)
    for (const [w, weight] of next) this.post(w, doc, weight)
    this.words[doc] = [...next.keys()]
    this.clearColumns(doc)
    for (const id of p.identifiers) this.flag(`i:${id.type}`)[doc] = 1
    for (const [name, value] of Object.entries(p.attributes)) {
      if (typeof value === 'boolean') this.flag(`a:${name}`)[doc] = value ? 2 : 1
      else if (typeof value === 'number') this.column(name)[doc] = value
      else if (this.types.get(name) === 'datetime') {
        const t = parseEventTimestamp(value)
        if (t.ok) this.column(name)[doc] = t.ms
      }
    }
  }

  drop(rootId: string): void {
    const doc = this.byRoot.get(rootId)
    if (doc === undefined) return
    for (const w of this.words[doc] ?? []) this.unpost(w, doc)
    this.words[doc] = null
    this.roots[doc] = ''
    this.ids[doc] = ''
    this.clearColumns(doc)
    this.byRoot.delete(rootId)
    this.free.push(doc)
  }

  private grow(n: number): void {
    if (n <= this.capacity) return
    let cap = Math.max(1024, this.capacity)
    while (cap < n) cap *= 2
    for (const [k, col] of this.numbers) {
      const c = new Float64Array(cap).fill(NaN)
      c.set(col)
      this.numbers.set(k, c)
    }
    for (const [k, col] of this.flags) {
      const c = new Uint8Array(cap)
      c.set(col)
      this.flags.set(k, c)
    }
    this.capacity = cap
  }

  private column(name: string): Float64Array {
    let c = this.numbers.get(name)
    if (c === undefined) this.numbers.set(name, (c = new Float64Array(this.capacity).fill(NaN)))
    return c
  }

  private flag(name: string): Uint8Array {
    let c = this.flags.get(name)
    if (c === undefined) this.flags.set(name, (c = new Uint8Array(this.capacity)))
    return c
  }

  private clearColumns(doc: number): void {
    for (const c of this.numbers.values()) c[doc] = NaN
    for (const c of this.flags.values()) c[doc] = 0
  }

  private post(word: string, doc: number, weight: number): void {
    const p = this.postings.get(word)
    if (p === undefined) {
      this.postings.set(word, doc * 8 + weight)
      this.vocab.add(word)
    } else if (typeof p === 'number') {
      const d = Math.floor(p / 8)
      if (d === doc) this.postings.set(word, doc * 8 + weight)
      else
        this.postings.set(
          word,
          new Map([
            [d, p % 8],
            [doc, weight],
          ]),
        )
    } else p.set(doc, weight)
  }

  private unpost(word: string, doc: number): void {
    const p = this.postings.get(word)
    if (p === undefined) return
    if (typeof p === 'number') {
      if (Math.floor(p / 8) !== doc) return
      this.postings.delete(word)
      this.vocab.delete(word)
      return
    }
    p.delete(doc)
    if (p.size === 1) for (const [d, w] of p) this.postings.set(word, d * 8 + w)
  }

  /** The profiles a term matches, each with its best weight (prefix matches at half). */
  private termHits(term: QueryTerm): Hits {
    const exact = postingHits(this.postings.get(term.word))
    const extra: Hits[] = []
    if (splitsFurther(term)) {
      // every part present: weight the weakest part's
      const parts = term.parts.map((w) => postingHits(this.postings.get(w)))
      parts.sort((a, b) => a.size - b.size)
      const all = new Map<number, number>()
      ;(parts[0] as Hits).forEach((w, doc) => {
        let min = w
        for (let i = 1; i < parts.length && min > 0; i++)
          min = Math.min(min, (parts[i] as Hits).weight(doc))
        if (min > 0) all.set(doc, min)
      })
      extra.push(mapHits(all))
    }
    const prefixed: Hits[] = []
    if (term.prefix)
      for (const w of this.vocab.withPrefix(term.word, PREFIX_MAX + 1))
        if (w !== term.word) prefixed.push(postingHits(this.postings.get(w)))
    if (extra.length === 0 && prefixed.length === 0) return exact
    // An exact match (weight 2 or more) beats any prefix one (at most 4 / 2): only profiles
    // the exact postings lack are gathered, so a common word's postings are never copied.
    const m = new Map<number, number>()
    const keep = (w: number, doc: number) => {
      if (exact.weight(doc) === 0 && (m.get(doc) ?? 0) < w) m.set(doc, w)
    }
    for (const h of extra) h.forEach(keep)
    for (const h of prefixed) h.forEach((w, doc) => keep(w / 2, doc))
    if (m.size === 0) return exact
    return {
      size: exact.size + m.size,
      weight: (d) => exact.weight(d) || (m.get(d) ?? 0),
      forEach: (fn) => {
        exact.forEach(fn)
        m.forEach(fn)
      },
    }
  }

  private test(f: SearchFilter): (doc: number) => boolean {
    switch (f.kind) {
      case 'range': {
        const c = this.numbers.get(f.attribute)
        if (c === undefined) return () => false
        return (doc) => {
          const v = c[doc] as number
          return v >= f.from && v <= f.to
        }
      }
      case 'boolean': {
        const c = this.flags.get(`a:${f.attribute}`)
        const want = f.value ? 2 : 1
        return c === undefined ? () => false : (doc) => c[doc] === want
      }
      case 'has': {
        const c = this.flags.get(`i:${f.identifierType}`)
        return c === undefined ? () => false : (doc) => c[doc] === 1
      }
    }
  }

  search(q: IndexQuery): { hits: IndexHit[]; more: boolean } {
    const terms = q.terms.map((t) => this.termHits(t))
    const tests = q.filters.map((f) => this.test(f))
    const top = new TopK(q.limit + 1, q.after, this.ids)
    const live = (doc: number) => this.roots[doc] !== '' && this.roots[doc] !== undefined
    if (q.match === 'all') {
      const passes = (doc: number) => tests.every((t) => t(doc))
      if (terms.length > 0) {
        const order = terms.map((h, i) => [h, i] as const).sort((a, b) => a[0].size - b[0].size)
        const [first] = order[0] as readonly [Hits, number]
        first.forEach((w, doc) => {
          let score = w
          for (let i = 1; i < order.length; i++) {
            const x = (order[i] as readonly [Hits, number])[0].weight(doc)
            if (x === 0) return
            score += x
          }
          if (passes(doc)) top.offer(doc, score + tests.length * FILTER_SCORE)
        })
      } else {
        const score = tests.length * FILTER_SCORE
        for (let doc = 0; doc < this.roots.length; doc++)
          if (live(doc) && passes(doc)) top.offer(doc, score)
      }
    } else {
      const scores = new Map<number, number>()
      for (const h of terms) h.forEach((w, doc) => scores.set(doc, (scores.get(doc) ?? 0) + w))
      for (const t of tests)
        for (let doc = 0; doc < this.roots.length; doc++)
          if (live(doc) && t(doc)) scores.set(doc, (scores.get(doc) ?? 0) + FILTER_SCORE)
      scores.forEach((score, doc) => top.offer(doc, score))
    }
    const ranked = top.result()
    const more = ranked.length > q.limit
    return {
      hits: ranked.slice(0, q.limit).map(({ doc, score }) => ({
        rootId: this.roots[doc] as string,
        profileId: this.ids[doc] as string,
        score,
      })),
      more,
    }
  }
}

/** The best `k` (score descending, then profileId ascending) ranked after `after`. */
class TopK {
  private readonly top: Array<{ doc: number; score: number; id: string }> = []
  constructor(
    private readonly k: number,
    private readonly after: IndexQuery['after'],
    private readonly ids: readonly string[],
  ) {}

  offer(doc: number, score: number): void {
    const id = this.ids[doc] as string
    const a = this.after
    if (a !== null && (score > a.score || (score === a.score && id <= a.profileId))) return
    const worst = this.top.at(-1)
    if (this.top.length >= this.k && worst !== undefined && !better(score, id, worst)) return
    let lo = 0
    let hi = this.top.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const m = this.top[mid] as { score: number; id: string }
      if (better(score, id, m)) hi = mid
      else lo = mid + 1
    }
    this.top.splice(lo, 0, { doc, score, id })
    if (this.top.length > this.k) this.top.pop()
  }

  result(): ReadonlyArray<{ doc: number; score: number }> {
    return this.top
  }
}

function better(score: number, id: string, than: { score: number; id: string }): boolean {
  return score > than.score || (score === than.score && id < than.id)
}

const codec = msgpackCodec<StateRecord>()

export class SearchIndex {
  private readonly tenants = new Map<string, TenantIndex>()
  private readonly rules: CompiledTenants
  /** Profile keys written since they were last indexed: tenant → root ids. */
  private dirty = new Map<string, Set<string>>()
  /** Chunk key → [tenant, root id] of the large profiles that own chunks. */
  private readonly chunkOwners = new Map<string, readonly [string, string]>()
  private building = true
  private draining: Promise<void> | null = null
  /** Resolves once the first scan is indexed. */
  readonly ready: Promise<void>

  private constructor(
    config: IdentityConfig,
    private readonly store: Pick<KeyValueStore, 'getMany' | 'scan'>,
  ) {
    this.rules = compileTenants(config)
    this.ready = this.build()
    // `unifier api` serves before the scan ends: a failed scan leaves search answering 503
    this.ready.catch(() => undefined)
  }

  /**
   * Starts indexing the store: listens to its writes first (through `subscribe`), then scans
   * it once; writes that arrive meanwhile are indexed after the scan.
   */
  static open(options: {
    readonly config: IdentityConfig
    readonly store: Pick<KeyValueStore, 'getMany' | 'scan'>
    readonly subscribe: (listener: WriteListener) => () => void
  }): SearchIndex {
    const index = new SearchIndex(options.config, options.store)
    options.subscribe((batch) => index.written(batch))
    return index
  }

  get isReady(): boolean {
    return !this.building
  }

  /** Live profiles indexed, over all tenants. */
  get size(): number {
    let n = 0
    for (const t of this.tenants.values()) n += t.size
    return n
  }

  private async build(): Promise<void> {
    for await (const [key, bytes] of this.store.scan('')) {
      const parsed = parseKey(key)
      if (parsed?.kind !== 'profile') continue
      const record = codec.decode(bytes)
      if (record.type !== 'profile') continue
      await this.index(parsed.tenant, parsed.profileId, record)
    }
    this.building = false
    await this.catchUp()
  }

  private written(batch: readonly KeyValueWrite[]): void {
    for (const { key } of batch) {
      const parsed = parseKey(key)
      if (parsed?.kind === 'profile') this.mark(parsed.tenant, parsed.profileId)
      else if (parsed?.kind === 'members') {
        const owner = this.chunkOwners.get(key)
        if (owner !== undefined) this.mark(owner[0], owner[1])
      }
    }
  }

  private mark(tenant: string, rootId: string): void {
    let set = this.dirty.get(tenant)
    if (set === undefined) this.dirty.set(tenant, (set = new Set()))
    set.add(rootId)
    this.schedule()
  }

  /** Resolves once every write seen before the call is indexed. */
  async settled(): Promise<void> {
    await this.ready
    await this.catchUp()
  }

  private async catchUp(): Promise<void> {
    while (this.dirty.size > 0 || this.draining !== null) {
      this.schedule()
      await this.draining
    }
  }

  /** Indexes what is marked, in the background, one drain at a time (never before the scan). */
  private schedule(): void {
    if (this.building || this.draining !== null || this.dirty.size === 0) return
    const run = this.drain().finally(() => {
      this.draining = null
      this.schedule()
    })
    // a failed drain (the store closed under it) fails the searches waiting, not the process
    run.catch(() => undefined)
    this.draining = run
  }

  private async drain(): Promise<void> {
    const dirty = this.dirty
    this.dirty = new Map()
    for (const [tenant, roots] of dirty) {
      const ids = [...roots]
      const values = await this.store.getMany(ids.map((id) => profileKey(tenant, id)))
      for (let i = 0; i < ids.length; i++) {
        const bytes = values[i]
        const record = bytes === undefined ? undefined : codec.decode(bytes)
        if (record?.type === 'profile') await this.index(tenant, ids[i] as string, record)
        else this.tenants.get(tenant)?.drop(ids[i] as string)
      }
    }
  }

  private async index(
    tenant: string,
    rootId: string,
    record: Extract<StateRecord, { type: 'profile' }>,
  ): Promise<void> {
    const rules = this.rules.get(tenant)
    if (rules === null) return
    let t = this.tenants.get(tenant)
    if (t === undefined) this.tenants.set(tenant, (t = new TenantIndex(rules.attributeTypes)))
    const chunks =
      record.next === null ? [] : await memberChunks(this.store, codec, tenant, record.next)
    if (chunks.length > 0) {
      let next = record.next
      for (const c of chunks) {
        if (next !== null) this.chunkOwners.set(chunkKey(tenant, next), [tenant, rootId])
        next = c.next
      }
    }
    t.put(rootId, exportProfile(tenant, record, chunks))
  }

  /** The ranked hits of a query in a tenant (none for a tenant without profiles). */
  search(tenant: string, query: IndexQuery): { hits: IndexHit[]; more: boolean } {
    return this.tenants.get(tenant)?.search(query) ?? { hits: [], more: false }
  }
}

/**
 * How `unifier api` indexes its replica (and bench:api its server): the store the replica
 * applies to is wrapped so the index, built by one background scan of it, follows every
 * batch applied after. Apply to `store`, read from either.
 */
export function searchIndexedStore(
  config: IdentityConfig,
  base: KeyValueStore,
): { readonly store: WriteObservedStore; readonly search: SearchIndex } {
  const store = new WriteObservedStore(base)
  const search = SearchIndex.open({
    config,
    store: base,
    subscribe: (listener) => store.onWrite(listener),
  })
  return { store, search }
}
