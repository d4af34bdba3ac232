/**
 * Invariants of the spec that must hold after EVERY event, checked on what a downstream
 * consumer sees (the changelog's latest snapshots and the merged events), not on internal state.
 */
import type { OutputRecord } from '../../src/core/types.js'
import type { IdentityConfig } from '../../src/core/config.js'
import { keyOf } from './reference-rules.js'
import type { ChangelogView } from './observe.js'

/** Retired profile id → the id it was merged into, per tenant, from profile-merged events. */
export class Retirements {
  private readonly into = new Map<string, Map<string, string>>()
  /** Retired ids whose survivor was deleted since: they must resolve to nothing. */
  readonly forgotten = new Map<string, Set<string>>()

  apply(outputs: readonly OutputRecord[]): void {
    for (const o of outputs) {
      if (o.kind !== 'merged' && o.kind !== 'deleted') continue
      let m = this.into.get(o.tenant)
      if (!m) this.into.set(o.tenant, (m = new Map()))
      if (o.kind === 'merged') {
        m.set(o.merged, o.survivor)
        continue
      }
      // Forgotten: the profile's retired ids go with it (they no longer resolve).
      let gone = this.forgotten.get(o.tenant)
      if (!gone) this.forgotten.set(o.tenant, (gone = new Set()))
      for (const id of [...m.keys()])
        if (this.final(o.tenant, id) === o.profileId) {
          m.delete(id)
          gone.add(id)
        }
    }
  }

  all(): ReadonlyMap<string, ReadonlyMap<string, string>> {
    return this.into
  }

  tenant(t: string): ReadonlyMap<string, string> {
    return this.into.get(t) ?? new Map()
  }

  /** Follow the chain of merges from a retired id to the id that absorbed it last. */
  final(t: string, id: string): string {
    const m = this.tenant(t)
    let current = id
    for (let hops = 0; hops <= m.size; hops++) {
      const next = m.get(current)
      if (next === undefined) return current
      current = next
    }
    throw new Error(`merge cycle through ${id} in tenant ${t}`)
  }
}

/**
 * "An anchor value names the same profile forever": the first profile seen holding an anchor
 * keeps it (anchored profiles are never merged away) until that profile is deleted.
 */
export class AnchorHomes {
  private readonly home = new Map<string, string>()

  check(view: ChangelogView, deleted: ReadonlySet<string>): string[] {
    const problems: string[] = []
    for (const [tenant, profiles] of view.live) {
      for (const [id, p] of profiles) {
        if (p.anchor === null) continue
        const key = `${tenant}/${keyOf(p.anchor.type, p.anchor.value)}`
        const before = this.home.get(key)
        if (before !== undefined && before !== id && !deleted.has(`${tenant}/${before}`))
          problems.push(`${key} moved from ${before} to ${id}`)
        this.home.set(key, id)
      }
    }
    return problems
  }
}

export function invariantViolations(
  view: ChangelogView,
  retired: Retirements,
  identity: IdentityConfig,
): string[] {
  const problems: string[] = []
  for (const [tenant, profiles] of view.live) {
    const config = identity.tenants[tenant] ?? identity.defaults
    if (!config) {
      problems.push(`${tenant}: profiles for a tenant without config`)
      continue
    }
    const owner = new Map<string, string>()
    for (const [id, p] of profiles) {
      const counts = new Map<string, number>()
      let anchors = 0
      for (const i of p.identifiers) {
        const key = keyOf(i.type, i.value)
        const other = owner.get(key)
        if (other !== undefined)
          problems.push(`${tenant}: ${key} is held by both ${other} and ${id}`)
        owner.set(key, id)
        const type = config.identifiers[i.type]
        if (type === undefined)
          problems.push(`${tenant}/${id}: identifier of undeclared type ${key}`)
        else if (type.role === 'anchor') anchors++
        else counts.set(i.type, (counts.get(i.type) ?? 0) + 1)
      }
      if (anchors > 1) problems.push(`${tenant}/${id}: ${anchors} anchors`)
      const declared = p.identifiers.find((i) => config.identifiers[i.type]?.role === 'anchor')
      const anchorKey = p.anchor ? keyOf(p.anchor.type, p.anchor.value) : null
      const heldAnchor = declared ? keyOf(declared.type, declared.value) : null
      if (anchorKey !== heldAnchor)
        problems.push(`${tenant}/${id}: anchor ${anchorKey} but identifiers hold ${heldAnchor}`)
      for (const [type, n] of counts) {
        const limit = config.identifiers[type]?.limit ?? Infinity
        if (n > limit) problems.push(`${tenant}/${id}: ${n} ${type} identifiers, limit ${limit}`)
      }
    }
    // Survivor: a retired id resolves to a live profile that lists it in mergedFrom (ids of a
    // forgotten profile are dropped from Retirements); mergedFrom lists nothing else.
    const absorbed = new Map<string, string[]>()
    for (const [id] of retired.tenant(tenant)) {
      if (profiles.has(id)) {
        problems.push(`${tenant}: retired ${id} is live again`)
        continue
      }
      const survivor = retired.final(tenant, id)
      if (!profiles.has(survivor))
        problems.push(`${tenant}: retired ${id} leads to no live profile`)
      absorbed.set(survivor, [...(absorbed.get(survivor) ?? []), id])
    }
    for (const [id, p] of profiles) {
      const want = (absorbed.get(id) ?? []).sort()
      const got = [...p.mergedFrom].sort()
      if (JSON.stringify(got) !== JSON.stringify(want))
        problems.push(
          `${tenant}/${id}: mergedFrom [${got.join(',')}], merged events [${want.join(',')}]`,
        )
    }
  }
  return problems
}
