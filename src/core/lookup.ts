/**
 * Read-only lookups (spec worked example, step 6): by any profile id ever issued (a retired id
 * resolves to its survivor) or by identifier. They follow union-find chains without writing
 * path compression (a lookup must not change state).
 */
import { normalizeIdentifier } from './identifiers.js'
import { linkKey } from './keys.js'
import type { ProfileLookup } from './resolver.js'
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
  const roots = await view.findRoots(tenant, [profileId])
  const found = roots.get(profileId)
  if (found === undefined) return null
  const record = found.record
  return {
    requestedId,
    profileId: record.profileId,
    retired: requestedId !== null && requestedId !== record.profileId,
    profile: toSnapshot(tenant, record),
  }
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
  const t = tenants.get(tenant)
  if (t === null) return null
  const r = normalizeIdentifier(t.identifierTypes, identifier.type, identifier.value)
  if (!r.ok) return null
  const view = new StateView(state)
  const key = linkKey(tenant, r.kind.type, r.value)
  await view.load([key])
  const link = view.get(key)
  if (link === undefined || link.type !== 'link') return null
  return resolveId(view, tenant, null, link.profileId)
}
