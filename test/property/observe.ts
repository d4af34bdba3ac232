/**
 * What the property tests look at: the changelog's latest snapshot per profile (what a
 * downstream consumer ends up with), reduced to an id-free canonical form so that the model's
 * profiles and the resolver's can be compared as a partition of identifiers.
 */
import type { OutputRecord, ProfileSnapshot } from '../../src/core/types.js'
import type { ReferenceModel } from './reference-model.js'
import { keyOf, type ModelProfile } from './reference-rules.js'

export interface CanonicalProfile {
  readonly identifiers: string[]
  readonly anchor: string | null
  readonly channels: string[]
  readonly attributes: Record<
    string,
    { value: unknown; source: string; timestamp: number; eventId: string }
  >
  readonly timeline: string[]
  readonly createdAt: number
}

/** Latest changelog value per tenant/profileId; a tombstone removes the profile. */
export class ChangelogView {
  readonly live = new Map<string, Map<string, ProfileSnapshot>>()
  readonly tombstoned = new Map<string, Set<string>>()

  apply(outputs: readonly OutputRecord[]): void {
    for (const o of outputs) {
      if (o.kind !== 'profile') continue
      const live = this.tenant(o.tenant)
      if (o.profile === null) {
        live.delete(o.profileId)
        this.tombstones(o.tenant).add(o.profileId)
      } else {
        live.set(o.profileId, o.profile)
        this.tombstones(o.tenant).delete(o.profileId)
      }
    }
  }

  tenant(t: string): Map<string, ProfileSnapshot> {
    let m = this.live.get(t)
    if (!m) this.live.set(t, (m = new Map()))
    return m
  }

  private tombstones(t: string): Set<string> {
    let s = this.tombstoned.get(t)
    if (!s) this.tombstoned.set(t, (s = new Set()))
    return s
  }
}

export function canonicalSnapshot(p: ProfileSnapshot): CanonicalProfile {
  return {
    identifiers: p.identifiers.map((i) => keyOf(i.type, i.value)).sort(),
    anchor: p.anchor ? keyOf(p.anchor.type, p.anchor.value) : null,
    channels: [...p.channels].sort(),
    attributes: Object.fromEntries(
      Object.keys(p.attributes)
        .sort()
        .map((f) => {
          const prov = p.provenance[f]
          return [
            f,
            {
              value: p.attributes[f],
              source: prov?.source ?? '?',
              timestamp: prov?.timestamp ?? -1,
              eventId: prov?.eventId ?? '?',
            },
          ]
        }),
    ),
    timeline: p.timeline.map(timelineKey),
    createdAt: p.createdAt,
  }
}

/** A timeline entry as both sides compare it: everything a consumer sees of it. */
function timelineKey(t: {
  readonly eventId: string
  readonly timestamp: number
  readonly source: string
  readonly note: string
}): string {
  return `${t.eventId}@${t.timestamp}/${t.source}: ${t.note}`
}

export function canonicalModel(p: ModelProfile): CanonicalProfile {
  return {
    identifiers: [...(p.anchor ? [p.anchor] : []), ...p.links].sort(),
    anchor: p.anchor,
    channels: [...p.channels].sort(),
    attributes: Object.fromEntries(
      [...p.attributes.keys()].sort().map((f) => {
        const a = p.attributes.get(f)!
        return [f, { value: a.value, source: a.source, timestamp: a.timestamp, eventId: a.eventId }]
      }),
    ),
    timeline: p.timeline.map(timelineKey),
    createdAt: p.createdAt,
  }
}

/** Per tenant, the sorted list of canonical profiles: equal lists mean equal partitions too. */
export function realWorld(view: ChangelogView): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const [tenant, profiles] of [...view.live].sort(([a], [b]) => a.localeCompare(b))) {
    const list = [...profiles.values()].map((p) => JSON.stringify(canonicalSnapshot(p))).sort()
    if (list.length > 0) out[tenant] = list
  }
  return out
}

/** The model's profiles as its changelog last showed them (ReferenceModel.publishedProfiles). */
export function modelWorld(model: ReferenceModel): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const tenant of model.tenantNames().sort()) {
    const list = model
      .publishedProfiles(tenant)
      .map((p) => JSON.stringify(canonicalModel(p)))
      .sort()
    if (list.length > 0) out[tenant] = list
  }
  return out
}
