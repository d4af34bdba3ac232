/**
 * The resolver: one contact event + state in, a Decision out (spec: docs/resolution-rules.md).
 * Pure: no I/O, clock or randomness; state is read only through `state.getMany` in a few
 * batched rounds per event. Business outcomes (dead-letters, refusals, drops) are returned,
 * never thrown. The caller must apply `writes` before deciding the next event of the tenant.
 */
import type { IdentityConfig } from './config.js'
import type { Decision, StateReader } from './state.js'
import type { Evidence, MergeEvidence, StateRecord } from './state-records.js'
import type { ContactEvent, Identifier, InputPosition, ProfileSnapshot } from './types.js'
import { compileTenants } from './tenant-rules.js'
import { decideEvent } from './decide.js'
import { SeenIndexes } from './seen-index.js'
import { explainIdentifier, lookupByIdentifier, lookupByProfileId } from './lookup.js'

export type { Evidence, MergeEvidence, StateRecord } from './state-records.js'
export { profileIdFor } from './profile-id.js'
export * as stateKeys from './keys.js'

/** What a lookup found: `profileId` is the live survivor; `retired` when `requestedId` was merged away. */
export interface ProfileLookup {
  readonly requestedId: string | null
  readonly profileId: string
  readonly retired: boolean
  readonly profile: ProfileSnapshot
}

/** The evidence chain of one identifier (requirement: "why are these two in one profile?"). */
export interface IdentifierExplanation {
  /** Normalised. */
  readonly identifier: Identifier
  /** The live profile holding it now. */
  readonly profileId: string
  /** The profile id it was attached to (never rewritten by merges). */
  readonly attachedTo: string
  readonly attachedBy: Evidence
  /** The merges, oldest first, that carried `attachedTo` into `profileId`. */
  readonly merges: readonly MergeEvidence[]
}

export interface Resolver {
  /**
   * The Decision itself when every read the event needs was answered from memory (the reader's
   * `getManySync`), a promise when a read had to wait: callers await only then.
   */
  decide(
    event: ContactEvent,
    position: InputPosition,
    state: StateReader<StateRecord>,
  ): Decision<StateRecord> | Promise<Decision<StateRecord>>
  /** Any profile id ever issued: live → itself; merged away → its survivor; forgotten/unknown → null. */
  lookupProfile(
    tenant: string,
    profileId: string,
    state: StateReader<StateRecord>,
  ): Promise<ProfileLookup | null>
  /** The profile holding the identifier (normalised with the tenant's rules first), or null. */
  lookupIdentifier(
    tenant: string,
    identifier: Identifier,
    state: StateReader<StateRecord>,
  ): Promise<ProfileLookup | null>
  /** The attachment and merges that put the identifier in its profile, or null if unheld. */
  explainIdentifier(
    tenant: string,
    identifier: Identifier,
    state: StateReader<StateRecord>,
  ): Promise<IdentifierExplanation | null>
}

export function createResolver(config: IdentityConfig): Resolver {
  const tenants = compileTenants(config)
  // rule 9's eventId → slot index per tenant, derived from state and checked against it
  const seen = new SeenIndexes()
  return {
    decide: (event, position, state) => decideEvent(tenants, seen, event, position, state),
    lookupProfile: (tenant, profileId, state) => lookupByProfileId(tenant, profileId, state),
    lookupIdentifier: (tenant, identifier, state) =>
      lookupByIdentifier(tenants, tenant, identifier, state),
    explainIdentifier: (tenant, identifier, state) =>
      explainIdentifier(tenants, tenant, identifier, state),
  }
}
