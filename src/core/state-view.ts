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
    // id -> the node reached so far; paths only for ids that went through a pointer
    let current = new Map<string, string>()
    let paths: Map<string, string[]> | null = null
    for (const id of ids) current.set(id, id)
    let keys: string[] = extraKeys.slice()
    let hop = 0
    let loaded = false
    // synchronous while the reader answers synchronously; continues asynchronously otherwise
    const walk = (): Map<string, FoundRoot> | Promise<Map<string, FoundRoot>> => {
      while (hop <= MAX_HOPS && current.size > 0) {
        if (!loaded) {
          for (const cur of current.values()) keys.push(profileKey(tenant, cur))
          const pending = this.load(keys)
          keys = []
          loaded = true
          if (pending !== undefined) return pending.then(walk)
        }
        const next = new Map<string, string>()
        for (const [id, cur] of current) {
          const rec = this.cache.get(profileKey(tenant, cur))
          if (rec === undefined || (rec.type !== 'profile' && rec.type !== 'pointer')) continue
          const path = paths?.get(id)
          if (rec.type === 'profile') {
            found.set(id, { rootId: cur, record: rec })
            // the last pointer on the path already points at the root
            if (path !== undefined && compress !== undefined)
              for (let i = 0; i < path.length - 1; i++)
                compress.compressPath(path[i] as string, cur)
            continue
          }
          if (path === undefined) (paths ??= new Map()).set(id, [cur])
          else path.push(cur)
          next.set(id, rec.parent)
        }
        current = next
        hop++
        loaded = false
      }
      return found
    }
    return walk()
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
