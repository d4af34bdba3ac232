/**
 * What one event's decision accumulates: writes (last write per key wins, in first-touch order),
 * output records, dropped identifiers, and the working copies of every profile it touches.
 * Merged-away working copies alias to their survivor so later steps of the same event see the
 * merged set.
 */
import type { CompiledIdentifierType } from './identifiers.js'
import { linkKey, profileKey } from './keys.js'
import { chunkWrites, membershipOf } from './membership.js'
import type { FoundRoot, PathCompressor, StateView } from './state-view.js'
import type { Evidence, StateRecord } from './state-records.js'
import type { CompiledTenant } from './tenant-rules.js'
import type {
  ContactEvent,
  DroppedIdentifier,
  Identifier,
  InputPosition,
  OutputRecord,
} from './types.js'
import { combine, toRecord, toSnapshot, workFromRecord, type WorkProfile } from './work-profile.js'

/** An identifier that survived normalisation, with its state key. */
export interface PreparedIdentifier {
  readonly kind: CompiledIdentifierType
  readonly value: string
  readonly key: string
  readonly identifier: Identifier
  readonly raw: Identifier
}

const NO_ROOTS: ReadonlyMap<string, FoundRoot> = new Map()

export class DecisionContext implements PathCompressor {
  readonly writes = new Map<string, StateRecord | null>()
  readonly outputs: OutputRecord[] = []
  readonly evidence: Evidence
  /** Working profiles by every root id they have had in this decision. */
  private readonly byRoot = new Map<string, WorkProfile>()
  /** Working profiles changed or created by this event, in touch order. */
  private readonly touched: WorkProfile[] = []
  /** Root of each profile id read through a link (set by read round 2). */
  roots: ReadonlyMap<string, FoundRoot> = NO_ROOTS

  constructor(
    readonly t: CompiledTenant,
    readonly event: ContactEvent,
    readonly position: InputPosition,
    readonly view: StateView,
    readonly dropped: DroppedIdentifier[],
  ) {
    this.evidence = {
      eventId: event.eventId,
      timestamp: event.timestamp,
      source: event.source,
      sequence: position.sequence,
    }
  }

  get tenant(): string {
    return this.event.tenant
  }

  write(key: string, value: StateRecord | null): void {
    this.writes.set(key, value)
  }

  /** Path compression: a pointer on a find path now points straight at the root. */
  compressPath(pointerId: string, rootId: string): void {
    this.write(profileKey(this.tenant, pointerId), { type: 'pointer', parent: rootId })
  }

  /** The working profile currently holding the identifier, or null when no one holds it. */
  holderOf(id: PreparedIdentifier): WorkProfile | null {
    const rec = this.view.get(id.key)
    if (rec === undefined || rec.type !== 'link') return null
    const found = this.roots.get(rec.profileId)
    if (found === undefined) return null
    return this.workFor(found.rootId, found)
  }

  private workFor(rootId: string, found: FoundRoot): WorkProfile {
    let w = this.byRoot.get(rootId)
    if (w === undefined) {
      const members = membershipOf(this.tenant, found.record, (key) => this.view.get(key))
      w = workFromRecord(rootId, found.record, members)
      this.byRoot.set(rootId, w)
      this.touched.push(w)
    }
    return w
  }

  adopt(w: WorkProfile): void {
    this.byRoot.set(w.rootId, w)
    this.touched.push(w)
  }

  /** Detaches or suppresses nothing: only points the link's state at `to`. */
  writeLink(id: PreparedIdentifier, to: WorkProfile): void {
    this.write(id.key, { type: 'link', profileId: to.profileId, attachedBy: this.evidence })
  }

  /**
   * Merges `merged` into `survivor` (which keeps its public id). Writes, whatever the sizes: the
   * kept root's record (with the evidence, beside the retired id) and at most two bounded
   * membership chunks (at finish), and one pointer for the other root.
   */
  merge(survivor: WorkProfile, merged: WorkProfile, via: Identifier | null): void {
    const evidence = {
      survivor: survivor.profileId,
      merged: merged.profileId,
      via,
      by: this.evidence,
    }
    const combined = combine(this.t, survivor, merged, evidence)
    const oldSurvivorRoot = survivor.rootId
    const droppedRoot = combined.rootId === merged.rootId ? oldSurvivorRoot : merged.rootId
    Object.assign(survivor, combined)
    merged.dirty = false
    merged.visible = false
    for (const [root, w] of this.byRoot) if (w === merged) this.byRoot.set(root, survivor)
    this.byRoot.set(merged.rootId, survivor)
    this.byRoot.set(oldSurvivorRoot, survivor)
    this.write(profileKey(this.tenant, droppedRoot), { type: 'pointer', parent: combined.rootId })
    this.outputs.push({
      kind: 'merged',
      tenant: this.tenant,
      survivor: survivor.profileId,
      merged: merged.profileId,
      via,
      eventId: this.event.eventId,
      timestamp: this.event.timestamp,
    })
    this.outputs.push({
      kind: 'profile',
      tenant: this.tenant,
      profileId: merged.profileId,
      profile: null,
    })
  }

  linkKeyOf(type: string, value: string): string {
    return linkKey(this.tenant, type, value)
  }

  /**
   * Writes every changed profile and emits the snapshot of each one a consumer would see
   * changed (spec, "Outputs": an event that changes nothing visible emits none): others first
   * (by profile id), the event's target last, so a consumer's last record for the event is the
   * target.
   */
  finish(target: WorkProfile | null): void {
    const changed: WorkProfile[] = []
    for (const w of this.touched) {
      const live = this.byRoot.get(w.rootId)
      // `touched` is a handful: a list scan, not a set, for the repeats
      if (live !== w || !w.dirty || w === target || changed.includes(w)) continue
      changed.push(w)
    }
    if (changed.length > 1)
      changed.sort((a, b) => (a.profileId < b.profileId ? -1 : a.profileId > b.profileId ? 1 : 0))
    if (target !== null && target.dirty && this.byRoot.get(target.rootId) === target)
      changed.push(target)
    for (const w of changed) {
      w.updatedAt = Math.max(w.updatedAt, this.event.timestamp)
      const record = toRecord(w)
      this.write(profileKey(this.tenant, w.rootId), record)
      chunkWrites(this.tenant, w.members, (key, value) => this.write(key, value))
      if (!w.visible) continue
      this.outputs.push({
        kind: 'profile',
        tenant: this.tenant,
        profileId: w.profileId,
        profile: toSnapshot(this.tenant, record, w.members),
      })
    }
  }
}
