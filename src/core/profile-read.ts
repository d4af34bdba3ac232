/**
 * The read side's questions about one profile or one identifier, answered from committed state
 * alone (the Profile API, src/api): what a profile id names now (live, merged away with the
 * chain of merges to its survivor, deleted, unknown), and for each identifier of a profile the
 * evidence of its attachment and what happened to it since. Read-only: no path compression,
 * nothing written. The state keeps the latest attachment of each identifier and every merge
 * (docs/resolution-rules.md, "Evidence"); what it does not keep (an identifier that moved away
 * without a merge having carried it in) cannot be told here.
 */
import { normalizeIdentifier } from './identifiers.js'
import { linkKey, profileKey } from './keys.js'
import { membershipOf, retiredBy, type Membership } from './membership.js'
import type { StateReader } from './state.js'
import type { Evidence, MergeEvidence, ProfileRecord, StateRecord } from './state-records.js'
import { StateView } from './state-view.js'
import type { CompiledTenants } from './tenant-rules.js'
import type { Identifier, ProfileSnapshot } from './types.js'
import { toSnapshot } from './work-profile.js'

/** An identifier as a reader sent it, after the tenant's rule 1 (or why it cannot be looked up). */
export type QueryIdentifier =
  | { readonly ok: true; readonly identifier: Identifier }
  | {
      readonly ok: false
      readonly reason: 'unknown-tenant' | 'unknown-type' | 'blocked' | 'invalid' | 'too-long'
    }

export function normalizeQuery(
  tenants: CompiledTenants,
  tenant: string,
  type: string,
  value: string,
): QueryIdentifier {
  const t = tenants.get(tenant)
  if (t === null) return { ok: false, reason: 'unknown-tenant' }
  const r = normalizeIdentifier(t.identifierTypes, type, value)
  if (r.ok) return { ok: true, identifier: { type: r.kind.type, value: r.value } }
  switch (r.reason) {
    case 'unknown-type':
    case 'blocked':
    case 'invalid':
    case 'too-long':
      return { ok: false, reason: r.reason }
    // the reasons below come from state or limits, never from normalisation
    case 'limit-exceeded':
    case 'anchor-not-linkable':
    case 'suppressed':
      return { ok: false, reason: 'invalid' }
  }
}

/** A live set as read: its root record and whole membership. */
export interface LiveSet {
  readonly record: ProfileRecord
  readonly members: Membership
}

/** The set `profileId` belongs to (any id ever issued to it), or null. */
export async function readSet(
  view: StateView,
  tenant: string,
  profileId: string,
): Promise<LiveSet | null> {
  const found = (await view.findRoots(tenant, [profileId])).get(profileId)
  if (found === undefined) return null
  await view.loadChains(tenant, [found])
  return {
    record: found.record,
    members: membershipOf(tenant, found.record, (k) => view.get(k)),
  }
}

/** The merges, oldest first, that carried `fromId` into the set's live id. */
export function mergesToLive(set: LiveSet, fromId: string): MergeEvidence[] {
  const merges: MergeEvidence[] = []
  let current = fromId
  // each id is merged away at most once and the set has `size` ids: the walk ends within size steps
  for (let step = 0; current !== set.record.profileId && step < set.record.size; step++) {
    const m = retiredBy(set.members, current)
    if (m === null) break
    merges.push(m)
    current = m.survivor
  }
  return merges
}

export type ProfileRead =
  | { readonly kind: 'live'; readonly profile: ProfileSnapshot }
  | {
      readonly kind: 'retired'
      readonly retiredId: string
      readonly profile: ProfileSnapshot
      /** The merges, oldest first, from the retired id to the survivor. */
      readonly chain: readonly MergeEvidence[]
    }
  | { readonly kind: 'deleted'; readonly forgottenBy: Evidence }
  | { readonly kind: 'unknown' }

export async function readProfile(
  tenant: string,
  profileId: string,
  state: StateReader<StateRecord>,
): Promise<ProfileRead> {
  const view = new StateView(state)
  const found = await readProfileSet(view, tenant, profileId)
  if (found.kind !== 'set') return found
  const { set } = found
  const profile = toSnapshot(tenant, set.record, set.members)
  if (set.record.profileId === profileId) return { kind: 'live', profile }
  return { kind: 'retired', retiredId: profileId, profile, chain: mergesToLive(set, profileId) }
}

async function readProfileSet(
  view: StateView,
  tenant: string,
  profileId: string,
): Promise<
  | { readonly kind: 'set'; readonly set: LiveSet }
  | Extract<ProfileRead, { kind: 'deleted' | 'unknown' }>
> {
  const key = profileKey(tenant, profileId)
  await view.load([key])
  const own = view.get(key)
  if (own?.type === 'forgotten') return { kind: 'deleted', forgottenBy: own.forgottenBy }
  if (own === undefined) return { kind: 'unknown' }
  const set = await readSet(view, tenant, profileId)
  return set === null ? { kind: 'unknown' } : { kind: 'set', set }
}

/** The live profile holding a normalised identifier, or null when none does. */
export async function readByIdentifier(
  tenant: string,
  identifier: Identifier,
  state: StateReader<StateRecord>,
): Promise<ProfileSnapshot | null> {
  const view = new StateView(state)
  const key = linkKey(tenant, identifier.type, identifier.value)
  await view.load([key])
  const link = view.get(key)
  if (link?.type !== 'link') return null
  const set = await readSet(view, tenant, link.profileId)
  return set === null ? null : toSnapshot(tenant, set.record, set.members)
}

/**
 * The live profile of each normalised identifier (null where none), aligned with the input:
 * one read round for all link records, one per union-find hop level and per chunk depth for
 * all their profiles together, however many identifiers are asked.
 */
export async function readManyByIdentifier(
  tenant: string,
  identifiers: readonly Identifier[],
  state: StateReader<StateRecord>,
): Promise<Array<ProfileSnapshot | null>> {
  const view = new StateView(state)
  const keys = identifiers.map((id) => linkKey(tenant, id.type, id.value))
  await view.load(keys)
  const ids: string[] = []
  for (const key of keys) {
    const link = view.get(key)
    if (link?.type === 'link') ids.push(link.profileId)
  }
  const roots = await view.findRoots(tenant, [...new Set(ids)])
  await view.loadChains(tenant, roots.values())
  const snapshots = new Map<string, ProfileSnapshot>()
  return keys.map((key) => {
    const link = view.get(key)
    if (link?.type !== 'link') return null
    const found = roots.get(link.profileId)
    if (found === undefined) return null
    let snapshot = snapshots.get(found.rootId)
    if (snapshot === undefined) {
      const members = membershipOf(tenant, found.record, (k) => view.get(k))
      snapshot = toSnapshot(tenant, found.record, members)
      snapshots.set(found.rootId, snapshot)
    }
    return snapshot
  })
}

/** One identifier of a profile and why it is there. */
export interface HeldIdentifier {
  readonly identifier: Identifier
  /** The profile id its link names (the one it was attached to; merges never rewrite it). */
  readonly attachedTo: string
  readonly attachedBy: Evidence
  /** The merges, oldest first, that carried `attachedTo` into the live profile. */
  readonly merges: readonly MergeEvidence[]
}

/**
 * An identifier a merge carried into the profile (the merge's `via`) that the profile no
 * longer holds: moved to another profile by a later event, or detached (unlink, forget).
 */
export interface DepartedIdentifier {
  readonly identifier: Identifier
  /** The merge that brought it in. */
  readonly arrived: MergeEvidence
  readonly kind: 'reassigned' | 'detached'
  /** reassigned: the live profile holding it now. */
  readonly heldBy: string | null
  /** reassigned: the event that attached it where it is now. */
  readonly movedBy: Evidence | null
}

export type ProfileIdentifiers =
  | {
      readonly kind: 'found'
      readonly profileId: string
      readonly identifiers: readonly HeldIdentifier[]
      readonly departed: readonly DepartedIdentifier[]
    }
  | Extract<ProfileRead, { kind: 'deleted' | 'unknown' }>

/** Every identifier of the profile with its evidence, and those merges brought in that left. */
export async function readProfileIdentifiers(
  tenant: string,
  profileId: string,
  state: StateReader<StateRecord>,
): Promise<ProfileIdentifiers> {
  const view = new StateView(state)
  const found = await readProfileSet(view, tenant, profileId)
  if (found.kind !== 'set') return found
  const { set } = found
  const held: Identifier[] = []
  for (const c of [set.members.head, ...set.members.chain]) held.push(...c.identifiers)
  const heldKeys = new Set(held.map((id) => linkKey(tenant, id.type, id.value)))
  const arrivals: Array<MergeEvidence & { readonly via: Identifier }> = []
  for (const c of [set.members.head, ...set.members.chain])
    for (const m of c.retiredBy)
      if (m.via !== null && !heldKeys.has(linkKey(tenant, m.via.type, m.via.value)))
        arrivals.push({ ...m, via: m.via })
  await view.load([...heldKeys, ...arrivals.map((m) => linkKey(tenant, m.via.type, m.via.value))])

  const identifiers: HeldIdentifier[] = []
  for (const identifier of held.sort(byTypeThenValue)) {
    const link = view.get(linkKey(tenant, identifier.type, identifier.value))
    if (link?.type !== 'link') continue
    identifiers.push({
      identifier,
      attachedTo: link.profileId,
      attachedBy: link.attachedBy,
      merges: mergesToLive(set, link.profileId),
    })
  }

  const departed: DepartedIdentifier[] = []
  for (const arrived of arrivals.sort((x, y) => x.by.sequence - y.by.sequence)) {
    const via = arrived.via
    const link = view.get(linkKey(tenant, via.type, via.value))
    if (link?.type !== 'link') {
      departed.push({ identifier: via, arrived, kind: 'detached', heldBy: null, movedBy: null })
      continue
    }
    const now = await readSet(view, tenant, link.profileId)
    departed.push({
      identifier: via,
      arrived,
      kind: 'reassigned',
      heldBy: now?.record.profileId ?? link.profileId,
      movedBy: link.attachedBy,
    })
  }
  return { kind: 'found', profileId: set.record.profileId, identifiers, departed }
}

export function byTypeThenValue(a: Identifier, b: Identifier): number {
  if (a.type !== b.type) return a.type < b.type ? -1 : 1
  if (a.value !== b.value) return a.value < b.value ? -1 : 1
  return 0
}
