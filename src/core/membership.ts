/**
 * A set's membership (identifiers held and retired profile ids) as a chain of bounded chunks:
 * the first inline in the root record, the rest `members` records linked by `next`
 * (state-records.ts, MEMBER_CHUNK). Every change rewrites a bounded number of chunks:
 * - adding fills the inline chunk; a full inline chunk is spilled whole into a new chunk at the
 *   front of the chain;
 * - a merge moves the dropped root's inline chunk into the kept one if it fits, else makes it a
 *   new chunk, and links the dropped chain in front of the kept chain (rewriting one `next`);
 * - removing rewrites the chunk that held the entry, and unlinks it if it became empty.
 * Chunk `next` fields are derived from the chain's order at write time, so only chunks whose
 * content or successor changed are written.
 */
import { chunkKey } from './keys.js'
import {
  MEMBER_CHUNK,
  type MembersRecord,
  type MergeEvidence,
  type StateRecord,
} from './state-records.js'
import type { Identifier } from './types.js'

export interface Chunk {
  /** null for the inline chunk of the root record. */
  readonly id: string | null
  identifiers: readonly Identifier[]
  retired: readonly string[]
  /** Aligned with `retired`: the merge that retired each id. */
  retiredBy: readonly MergeEvidence[]
  /** The successor as stored (to detect a changed link). */
  storedNext: string | null
  /** Content differs from what is stored (or the chunk is new). */
  dirty: boolean
  /** Lists are this event's own copies (records read from state are immutable). */
  owned: boolean
}

export interface Membership {
  head: Chunk
  /** Overflow chunks in chain order. */
  chain: Chunk[]
  chunkSeq: number
  /** Chunk ids to delete at write time. */
  removed: string[]
}

function own(c: Chunk): void {
  if (!c.owned) {
    c.identifiers = c.identifiers.slice()
    c.retired = c.retired.slice()
    c.retiredBy = c.retiredBy.slice()
    c.owned = true
  }
  c.dirty = true
}

function entries(c: Chunk): number {
  return c.identifiers.length + c.retired.length
}

export function emptyMembership(): Membership {
  return {
    head: {
      id: null,
      identifiers: [],
      retired: [],
      retiredBy: [],
      storedNext: null,
      dirty: true,
      owned: true,
    },
    chain: [],
    chunkSeq: 0,
    removed: [],
  }
}

/**
 * The membership of a root record, its chain read from `get` (the decision's view, which must
 * have loaded it: see StateView.loadChains). A missing chunk ends the chain.
 */
export function membershipOf(
  tenant: string,
  head: {
    readonly members: readonly Identifier[]
    readonly retired: readonly string[]
    readonly retiredBy: readonly MergeEvidence[]
    readonly next: string | null
    readonly chunkSeq: number
  },
  get: (key: string) => StateRecord | undefined,
): Membership {
  const chain: Chunk[] = []
  let next = head.next
  for (let guard = 0; next !== null && guard < 1e7; guard++) {
    const rec = get(chunkKey(tenant, next))
    if (rec === undefined || rec.type !== 'members') break
    chain.push(chunkFrom(next, rec))
    next = rec.next
  }
  return {
    head: {
      id: null,
      identifiers: head.members,
      retired: head.retired,
      retiredBy: head.retiredBy,
      storedNext: head.next,
      dirty: false,
      owned: false,
    },
    chain,
    chunkSeq: head.chunkSeq,
    removed: [],
  }
}

function chunkFrom(id: string, rec: MembersRecord): Chunk {
  return {
    id,
    identifiers: rec.identifiers,
    retired: rec.retired,
    retiredBy: rec.retiredBy,
    storedNext: rec.next,
    dirty: false,
    owned: false,
  }
}

/** Moves the full inline chunk to a new chunk at the front of the chain. */
function spill(m: Membership, rootId: string): void {
  const h = m.head
  m.chain.unshift({
    id: `${rootId}.${m.chunkSeq++}`,
    identifiers: h.identifiers,
    retired: h.retired,
    retiredBy: h.retiredBy,
    storedNext: null,
    dirty: true,
    owned: h.owned,
  })
  m.head = {
    id: null,
    identifiers: [],
    retired: [],
    retiredBy: [],
    storedNext: h.storedNext,
    dirty: true,
    owned: true,
  }
}

export function addMember(m: Membership, rootId: string, id: Identifier): void {
  if (entries(m.head) >= MEMBER_CHUNK) spill(m, rootId)
  own(m.head)
  insertSorted(m.head.identifiers as Identifier[], id)
}

/** Chunks keep their identifiers sorted: a snapshot's sort then merges runs. */
function insertSorted(list: Identifier[], id: Identifier): void {
  let i = list.length
  while (i > 0 && compareIdentifiers(list[i - 1] as Identifier, id) > 0) i--
  list.splice(i, 0, id)
}

export function addRetired(
  m: Membership,
  rootId: string,
  profileId: string,
  by: MergeEvidence,
): void {
  if (entries(m.head) >= MEMBER_CHUNK) spill(m, rootId)
  own(m.head)
  insertRetired(m.head, profileId, by)
}

/** Keeps `retired` sorted and `retiredBy` aligned with it; the chunk must be owned. */
function insertRetired(c: Chunk, id: string, by: MergeEvidence): void {
  const list = c.retired as string[]
  let i = list.length
  while (i > 0 && (list[i - 1] as string) > id) i--
  list.splice(i, 0, id)
  ;(c.retiredBy as MergeEvidence[]).splice(i, 0, by)
}

/** Removes the identifier wherever it is; false if the set does not hold it. */
export function removeMember(m: Membership, type: string, value: string): boolean {
  const holds = (c: Chunk) => c.identifiers.findIndex((x) => x.type === type && x.value === value)
  let i = holds(m.head)
  if (i >= 0) {
    own(m.head)
    ;(m.head.identifiers as Identifier[]).splice(i, 1)
    return true
  }
  for (let k = 0; k < m.chain.length; k++) {
    const c = m.chain[k] as Chunk
    i = holds(c)
    if (i < 0) continue
    if (entries(c) === 1) {
      // the chunk would be empty: unlink it (its predecessor's `next` changes)
      m.chain.splice(k, 1)
      if (c.id !== null) m.removed.push(c.id)
    } else {
      own(c)
      ;(c.identifiers as Identifier[]).splice(i, 1)
    }
    return true
  }
  return false
}

/**
 * The union of two memberships; `keep` belongs to the root kept by union by size. Bounded
 * writes: the kept inline chunk, at most one new chunk, and the dropped chain's last chunk.
 */
export function unite(keep: Membership, drop: Membership, keepRootId: string): Membership {
  const head: Chunk = { ...keep.head }
  let seq = keep.chunkSeq
  const front: Chunk[] = []
  if (entries(head) + entries(drop.head) <= MEMBER_CHUNK) {
    own(head)
    for (const id of drop.head.identifiers) insertSorted(head.identifiers as Identifier[], id)
    drop.head.retired.forEach((r, k) =>
      insertRetired(head, r, drop.head.retiredBy[k] as MergeEvidence),
    )
  } else if (entries(drop.head) > 0) {
    front.push({
      id: `${keepRootId}.${seq++}`,
      identifiers: drop.head.identifiers,
      retired: drop.head.retired,
      retiredBy: drop.head.retiredBy,
      storedNext: null,
      dirty: true,
      owned: drop.head.owned,
    })
  }
  return {
    head,
    chain: front.concat(drop.chain, keep.chain),
    chunkSeq: Math.max(seq, drop.chunkSeq),
    removed: keep.removed.concat(drop.removed),
  }
}

/** The chain's first chunk id (the root record's `next`). */
export function firstChunk(m: Membership): string | null {
  return m.chain.length > 0 ? ((m.chain[0] as Chunk).id as string) : null
}

/** Writes for the chunks that changed (content or successor) and the removed ones. */
export function chunkWrites(
  tenant: string,
  m: Membership,
  write: (key: string, value: StateRecord | null) => void,
): void {
  for (let k = 0; k < m.chain.length; k++) {
    const c = m.chain[k] as Chunk
    const next = k + 1 < m.chain.length ? ((m.chain[k + 1] as Chunk).id as string) : null
    if (!c.dirty && c.storedNext === next) continue
    write(chunkKey(tenant, c.id as string), {
      type: 'members',
      identifiers: c.identifiers,
      retired: c.retired,
      retiredBy: c.retiredBy,
      next,
    })
  }
  for (const id of m.removed) write(chunkKey(tenant, id), null)
}

export function forEachIdentifier(m: Membership, f: (id: Identifier) => void): void {
  for (const id of m.head.identifiers) f(id)
  for (const c of m.chain) for (const id of c.identifiers) f(id)
}

function compareIdentifiers(a: Identifier, b: Identifier): number {
  if (a.type !== b.type) return a.type < b.type ? -1 : 1
  if (a.value !== b.value) return a.value < b.value ? -1 : 1
  return 0
}

/** The membership's sorted runs (one per non-empty chunk): a snapshot merges them when read. */
export function identifierRuns(m: Membership): Array<readonly Identifier[]> {
  const runs: Array<readonly Identifier[]> = []
  if (m.head.identifiers.length > 0) runs.push(m.head.identifiers)
  for (const c of m.chain) if (c.identifiers.length > 0) runs.push(c.identifiers)
  return runs
}

export function retiredRuns(m: Membership): Array<readonly string[]> {
  const runs: Array<readonly string[]> = []
  if (m.head.retired.length > 0) runs.push(m.head.retired)
  for (const c of m.chain) if (c.retired.length > 0) runs.push(c.retired)
  return runs
}

/** Sorted runs as one sorted list, merged pairwise: O(n log runs). One run is shared as is. */
export function mergeIdentifierRuns(
  runs: ReadonlyArray<readonly Identifier[]>,
): readonly Identifier[] {
  let level = runs
  while (level.length > 1) {
    const next: Array<readonly Identifier[]> = []
    for (let i = 0; i < level.length; i += 2) {
      const a = level[i] as readonly Identifier[]
      const b = level[i + 1]
      next.push(b === undefined ? a : mergeRuns(a, b))
    }
    level = next
  }
  return level[0] ?? []
}

export function mergeRetiredRuns(runs: ReadonlyArray<readonly string[]>): readonly string[] {
  if (runs.length <= 1) return runs[0] ?? []
  return ([] as string[]).concat(...runs).sort()
}

function mergeRuns(a: readonly Identifier[], b: readonly Identifier[]): Identifier[] {
  const out: Identifier[] = []
  let i = 0
  let j = 0
  while (i < a.length && j < b.length) {
    const x = a[i] as Identifier
    const y = b[j] as Identifier
    if (x.type < y.type || (x.type === y.type && x.value <= y.value)) {
      out.push(x)
      i++
    } else {
      out.push(y)
      j++
    }
  }
  while (i < a.length) out.push(a[i++] as Identifier)
  while (j < b.length) out.push(b[j++] as Identifier)
  return out
}

/** Every retired id, sorted (shared when one chunk holds them all, as above). */
export function sortedRetired(m: Membership): readonly string[] {
  return mergeRetiredRuns(retiredRuns(m))
}

/** The merge that retired `profileId`, if the set retired it. */
export function retiredBy(m: Membership, profileId: string): MergeEvidence | null {
  for (const c of [m.head, ...m.chain]) {
    const i = c.retired.indexOf(profileId)
    if (i >= 0) return c.retiredBy[i] ?? null
  }
  return null
}
