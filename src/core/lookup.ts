/**
 * Read-only lookups (spec worked example, step 6): by any profile id ever issued (a retired id
 * resolves to its survivor) or by identifier. They follow union-find chains without writing
 * path compression (a lookup must not change state).
 */
import { normalizeIdentifier } from './identifiers.js'
import { linkKey } from './keys.js'
import { mergesToLive, readSet } from './profile-read.js'
import type { IdentifierExplanation, ProfileLookup } from './resolver.js'
import type { StateReader } from './state.js'
import type { StateRecord } from './state-records.js'
import { StateView } from './state-view.js'
import type { CompiledTenants } from './tenant-rules.js'
import type { Identifier } from './types.js'
import { toSnapshot } from './work-profile.js'

async function resolveId(
  view: StateView,
  tenant: string,
  requestedId: string | null,
  profileId: string,
): Promise<ProfileLookup | null> {
  const set = await readSet(view, tenant, profileId)
  if (set === null) return null
  return {
    requestedId,
    profileId: set.record.profileId,
    retired: requestedId !== null && requestedId !== set.record.profileId,
    profile: toSnapshot(tenant, set.record, set.members),
  }
}

/** The identifier normalised as the tenant's rules say, and the link record that holds it. */
async function readLink(
  tenants: CompiledTenants,
  tenant: string,
  identifier: Identifier,
  state: StateReader<StateRecord>,
): Promise<{
  view: StateView
  link: Extract<StateRecord, { type: 'link' }>
  normalized: Identifier
} | null> {
  const t = tenants.get(tenant)
  if (t === null) return null
  const r = normalizeIdentifier(t.identifierTypes, identifier.type, identifier.value)
  if (!r.ok) return null
  const view = new StateView(state)
  const key = linkKey(tenant, r.kind.type, r.value)
  await view.load([key])
  const link = view.get(key)
  if (link === undefined || link.type !== 'link') return null
  return { view, link, normalized: { type: r.kind.type, value: r.value } }
}

export function lookupByProfileId(
  tenant: string,
  profileId: string,
  state: StateReader<StateRecord>,
): Promise<ProfileLookup | null> {
  return resolveId(new StateView(state), tenant, profileId, profileId)
}

export async function lookupByIdentifier(
  tenants: CompiledTenants,
  tenant: string,
  identifier: Identifier,
  state: StateReader<StateRecord>,
): Promise<ProfileLookup | null> {
  const found = await readLink(tenants, tenant, identifier, state)
  if (found === null) return null
  const { view, link } = found
  return resolveId(view, tenant, null, link.profileId)
}

/**
 * Why the identifier is in its profile: the event that attached it, to which profile id, and the
 * merges (each with its event) that carried that id into today's profile. Two identifiers are in
 * one profile because of the union of their two explanations.
 */
export async function explainIdentifier(
  tenants: CompiledTenants,
  tenant: string,
  identifier: Identifier,
  state: StateReader<StateRecord>,
): Promise<IdentifierExplanation | null> {
  const held = await readLink(tenants, tenant, identifier, state)
  if (held === null) return null
  const { view, link, normalized } = held
  const set = await readSet(view, tenant, link.profileId)
  if (set === null) return null
  return {
    identifier: normalized,
    profileId: set.record.profileId,
    attachedTo: link.profileId,
    attachedBy: link.attachedBy,
    merges: mergesToLive(set, link.profileId),
  }
}
