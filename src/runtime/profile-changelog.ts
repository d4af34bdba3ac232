import type { OutputRecord } from '../core/types.js'

/**
 * How the profile changelog is written (spec, "Outputs"; docs/configuration.md):
 * - `coalesced` (default): one record per profile per commit, its last state (or its tombstone),
 *   as Kafka Streams' record cache does for a table: what a consumer of a compacted topic keeps;
 * - `every-change`: one record per change, in decision order, for consumers that need every step.
 */
export type ProfileChangelogMode = 'coalesced' | 'every-change'

export const PROFILE_CHANGELOG_MODES: readonly ProfileChangelogMode[] = [
  'coalesced',
  'every-change',
]

export type ProfileOutput = Extract<OutputRecord, { readonly kind: 'profile' }>

/** A held profile record and what caused its last change (the input record, the input line). */
export interface HeldProfile<C> {
  readonly output: ProfileOutput
  readonly cause: C
}

/**
 * The profile records of one commit, the last per profile key (tenant + profileId). Only the
 * profile changelog is coalesced: merged, reassigned, deleted, refused and dead-letter records
 * are never held here. `take` hands them over in the order of each key's last change (Kafka
 * Streams' cache flushes its dirty keys in that order): a profile's record sits where its final
 * state was reached, so a tombstone that follows a snapshot of the same key stays a tombstone,
 * and keys of one tenant, which share a partition, keep the order of their last changes.
 */
export class LatestProfiles<C> {
  private latest = new Map<string, HeldProfile<C>>()

  /** Holds a profile record (true); any other kind is not held (false). */
  hold(output: OutputRecord, cause: C): boolean {
    if (output.kind !== 'profile') return false
    const key = `${output.tenant}\u0000${output.profileId}`
    this.latest.delete(key)
    this.latest.set(key, { output, cause })
    return true
  }

  get size(): number {
    return this.latest.size
  }

  /** Every held record, in the order of its key's last change; the holder is empty after. */
  take(): readonly HeldProfile<C>[] {
    if (this.latest.size === 0) return []
    const held = [...this.latest.values()]
    this.latest = new Map()
    return held
  }
}
