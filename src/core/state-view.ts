/**
 * The resolver's window on state for one event: batches reads into getMany rounds, remembers
 * what it read, and walks union-find chains for many profile ids at once (one round per hop
 * level, not per id).
 */
import { chunkKey, profileKey } from './keys.js'
import type { StateReader } from './state.js'
import type { ProfileRecord, StateRecord } from './state-records.js'

/** Deeper than any union-by-size tree can get; a longer chain means corrupt state. */
const MAX_HOPS = 64

export interface FoundRoot {
  /** The id whose profile key holds the root record. */
  readonly rootId: string
  readonly record: ProfileRecord
}

/** Receives the pointers on a find path that should point straight at the root. */
export interface PathCompressor {
  compressPath(pointerId: string, rootId: string): void
}

export class StateView {
  private readonly cache = new Map<string, StateRecord | undefined>()

  constructor(private readonly reader: StateReader<StateRecord>) {}

  /**
   * One read round for the keys not read yet; none when all are known. Returns a promise only
   * when the reader had to go asynchronous: `const p = view.load(k); if (p) await p`.
   */
  load(keys: readonly string[]): Promise<void> | undefined {
    let missing: string[] | null = null
    for (const k of keys) {
      if (!this.cache.has(k)) (missing ??= []).push(k)
    }
    if (missing === null) return undefined
    const sync = this.reader.getManySync?.(missing) ?? null
    if (sync !== null) {
      this.fill(missing, sync)
      return undefined
    }
    const asked = missing
    return this.reader.getMany(asked).then((values) => this.fill(asked, values))
  }

  private fill(keys: readonly string[], values: ReadonlyArray<StateRecord | undefined>): void {
    for (let i = 0; i < keys.length; i++) this.cache.set(keys[i] as string, values[i] ?? undefined)
  }

  get(key: string): StateRecord | undefined {
    return this.cache.get(key)
  }

  /**
   * The root of each id's set. `compress` receives, per id, the pointer ids on its path that
   * do not point at the root yet (path compression is the caller's write to make).
   * `extraKeys` ride along in the first round. Ids with no record (or a broken chain) are
   * absent from the result. A Map when every read was answered synchronously, else a promise.
   */
  findRoots(
    tenant: string,
    ids: readonly string[],
    extraKeys: readonly string[] = [],
    compress?: PathCompressor,
  ): Map<string, FoundRoot> | Promise<Map<string, FoundRoot>> {
    const found = new Map<string, FoundRoot>()
    if (ids.length === 0) {
      // an event naming no held identifier: only the extra keys to read
      const pending = this.load(extraKeys)
      return pending === undefined ? found : pending.then(() => found)
    }
    return new RootWalk(this, tenant, ids, extraKeys, compress, found).run()
  }

  /** For RootWalk: what a loaded key holds. */
  cached(key: string): StateRecord | undefined {
    return this.cache.get(key)
  }

  /**
   * Loads the membership chunks of the roots (membership.ts), one round per chunk depth for
   * all roots together. Roots whose membership is inline (most) cost nothing; a promise is
   * returned only when a round had to wait for the reader.
   */
  loadChains(tenant: string, roots: Iterable<FoundRoot>): Promise<void> | undefined {
    let keys: string[] | null = null
    for (const r of roots)
      if (r.record.next !== null) (keys ??= []).push(chunkKey(tenant, r.record.next))
    if (keys === null) return undefined
    const visited = new Set<string>() // a cycle would mean corrupt state: stop rather than spin
    let level: string[] = keys
    const step = (): Promise<void> | undefined => {
      while (level.length > 0) {
        const pending = this.load(level)
        if (pending !== undefined) return pending.then(() => step())
        const next: string[] = []
        for (const k of level) {
          visited.add(k)
          const rec = this.cache.get(k)
          if (rec?.type !== 'members' || rec.next === null) continue
          const key = chunkKey(tenant, rec.next)
          if (!visited.has(key)) next.push(key)
        }
        level = next
      }
      return undefined
    }
    return step()
  }
}

/**
 * findRoots' walk: each hop reads the profile keys of the nodes still on a pointer, in one
 * round. Parallel arrays rather than maps of id → node (a Map costs a few hundred bytes, and
 * this runs for every event); an id's path is kept only once it went through a pointer.
 */
class RootWalk {
  /** The ids still walking, each once, in the order given. */
  private readonly ids: string[] = []
  /** The node each of them has reached. */
  private readonly nodes: string[]
  /** The pointer ids each has gone through (null until one has). */
  private paths: Array<string[] | undefined> | null = null
  /** The profile keys of `nodes`, once this hop's round is read. */
  private nodeKeys: string[] | null = null
  private hop = 0

  constructor(
    private readonly view: StateView,
    private readonly tenant: string,
    ids: readonly string[],
    private extraKeys: readonly string[],
    private readonly compress: PathCompressor | undefined,
    private readonly found: Map<string, FoundRoot>,
  ) {
    for (const id of ids) if (!this.ids.includes(id)) this.ids.push(id)
    this.nodes = this.ids.slice()
  }

  /** Synchronous while the reader answers synchronously; continues asynchronously otherwise. */
  run(): Map<string, FoundRoot> | Promise<Map<string, FoundRoot>> {
    const { ids, nodes, found, compress } = this
    while (this.hop <= MAX_HOPS && ids.length > 0) {
      let nodeKeys = this.nodeKeys
      if (nodeKeys === null) {
        nodeKeys = nodes.map((node) => profileKey(this.tenant, node))
        this.nodeKeys = nodeKeys
        const keys = this.extraKeys.length === 0 ? nodeKeys : [...this.extraKeys, ...nodeKeys]
        this.extraKeys = []
        const pending = this.view.load(keys)
        if (pending !== undefined) return pending.then(() => this.run())
      }
      let kept = 0
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i] as string
        const cur = nodes[i] as string
        const rec = this.view.cached(nodeKeys[i] as string)
        if (rec === undefined || (rec.type !== 'profile' && rec.type !== 'pointer')) continue
        const path = this.paths?.[i]
        if (rec.type === 'profile') {
          found.set(id, { rootId: cur, record: rec })
          // the last pointer on the path already points at the root
          if (path !== undefined && compress !== undefined)
            for (let j = 0; j < path.length - 1; j++) compress.compressPath(path[j] as string, cur)
          continue
        }
        if (path === undefined) (this.paths ??= [])[kept] = [cur]
        else {
          path.push(cur)
          ;(this.paths as Array<string[] | undefined>)[kept] = path
        }
        ids[kept] = id
        nodes[kept] = rec.parent
        kept++
      }
      ids.length = kept
      nodes.length = kept
      if (this.paths !== null) this.paths.length = kept
      this.nodeKeys = null
      this.hop++
    }
    return found
  }
}
