/**
 * A deliberately naive model of the product spec (identity-resolution.md), written from the
 * spec before src/core's resolver existed; where the spec is silent it follows
 * docs/resolution-rules.md. Everything is recomputed by scanning plain objects:
 * who holds an identifier is found by looking at every live profile, limits are checked by
 * counting, merges copy sets. It is slow on purpose so that it is easy to believe.
 *
 * It shares only the identifier normalisation and attribute parsing with the real resolver
 * (passed in as `ModelHooks`): those are not what the property tests examine.
 */
import type { IdentityConfig } from '../../src/core/config.js'
import type { ContactEvent } from '../../src/core/types.js'
import {
  addNote,
  capTimeline,
  copyOf,
  countOfType,
  isOlder,
  keyOf,
  limitOf,
  modelTenantConfig,
  offerAttribute,
  oldest,
  strongestFirst,
  typeOfKey,
  unique,
  visibleSignature,
  type ModelHooks,
  type ModelProfile,
  type ModelStep,
  type ModelTenantConfig,
} from './reference-rules.js'

interface TenantState {
  profiles: Map<string, ModelProfile>
  /** Retired id → the id it was merged into (follow the chain to the live survivor). */
  retired: Map<string, string>
  /** Applied eventIds in order (the model remembers all; the window is applied on lookup). */
  applied: string[]
  suppressed: Set<string>
  /** Evidence: the event that last attached each held identifier (create, attach, reassign). */
  attachedBy: Map<string, { eventId: string; sequence: number }>
  /**
   * What the changelog shows of each live profile: a copy taken after the last event that
   * changed something a consumer can see (spec, "Outputs"); a newer provenance of an unchanged
   * value alone publishes nothing.
   */
  published: Map<string, ModelProfile>
}

export function modelFor(identity: IdentityConfig, hooks: ModelHooks): ReferenceModel {
  const cache = new Map<string, ModelTenantConfig>()
  return new ReferenceModel((tenant) => {
    let c = cache.get(tenant)
    if (!c) {
      const t = identity.tenants[tenant] ?? identity.defaults
      if (!t) throw new Error(`no identity config for tenant ${tenant}`)
      cache.set(tenant, (c = modelTenantConfig(t)))
    }
    return c
  }, hooks)
}

export class ReferenceModel {
  private readonly tenants = new Map<string, TenantState>()
  /** The event being applied: the evidence recorded by attachments. */
  private current = { eventId: '', sequence: -1 }

  constructor(
    private readonly configFor: (tenant: string) => ModelTenantConfig,
    private readonly hooks: ModelHooks,
  ) {}

  // ---------------------------------------------------------------- queries

  liveProfiles(tenant: string): ModelProfile[] {
    return [...this.tenant(tenant).profiles.values()]
  }

  /** The live profiles as the changelog last showed them. */
  publishedProfiles(tenant: string): ModelProfile[] {
    return [...this.tenant(tenant).published.values()]
  }

  tenantNames(): string[] {
    return [...this.tenants.keys()]
  }

  /** Follows retirements; null for deleted or unknown ids. */
  lookup(tenant: string, id: string): ModelProfile | null {
    const t = this.tenant(tenant)
    let current = id
    for (let hops = 0; hops <= t.retired.size; hops++) {
      const live = t.profiles.get(current)
      if (live) return live
      const next = t.retired.get(current)
      if (next === undefined) return null
      current = next
    }
    throw new Error(`retirement cycle at ${id}`)
  }

  attachedBy(tenant: string, key: string): { eventId: string; sequence: number } | undefined {
    return this.tenant(tenant).attachedBy.get(key)
  }

  /** Every live profile holding `key` (as anchor or link); the invariant says at most one. */
  holders(tenant: string, key: string): ModelProfile[] {
    return this.liveProfiles(tenant).filter((p) => p.anchor === key || p.links.has(key))
  }

  // ---------------------------------------------------------------- events

  apply(event: ContactEvent, sequence: number): ModelStep {
    const step = this.decide(event, sequence)
    this.publish(this.tenant(event.tenant), step)
    return step
  }

  /** A snapshot of every profile that changed visibly; deleted and merged-away ones go. */
  private publish(t: TenantState, step: ModelStep): void {
    for (const id of [...t.published.keys()]) if (!t.profiles.has(id)) t.published.delete(id)
    for (const p of t.profiles.values()) {
      const shown = t.published.get(p.id)
      if (shown !== undefined && visibleSignature(shown) === visibleSignature(p)) continue
      t.published.set(p.id, copyOf(p))
      step.shown.push(p.id)
    }
  }

  private decide(event: ContactEvent, sequence: number): ModelStep {
    const t = this.tenant(event.tenant)
    const step: ModelStep = {
      eventId: event.eventId,
      tenant: event.tenant,
      status: 'applied',
      deadLetterReason: null,
      profileId: null,
      dropped: [],
      droppedAttributes: [],
      ambiguous: false,
      effects: [],
      shown: [],
    }
    const cfg = this.configFor(event.tenant)
    // docs/resolution-rules.md: the strongest identifier is handled first, whatever the event's order.
    let keys = this.normaliseIdentifiers(event, step).sort((a, b) => strongestFirst(cfg, a, b))
    const anchors = keys.filter((k) => cfg.types[typeOfKey(k)]?.role === 'anchor')
    // Unlink drops anchors anyway; other kinds refuse an event naming two people.
    if (event.type !== 'unlink' && anchors.length > 1)
      return this.deadLetter(step, 'conflicting-anchors')
    if (keys.length === 0) return this.deadLetter(step, 'no-identifiers')
    // Rule 9, bounded: only the last `idempotenceWindow` applied eventIds are remembered.
    if (t.applied.slice(-cfg.idempotenceWindow).includes(event.eventId))
      return { ...step, status: 'duplicate', dropped: [] }
    if (cfg.suppressForgotten) {
      for (const k of keys.filter((k) => t.suppressed.has(k)))
        step.dropped.push({ key: k, reason: 'suppressed' })
      keys = keys.filter((k) => !t.suppressed.has(k))
      if (keys.length === 0) return this.deadLetter(step, 'no-identifiers')
    }
    t.applied.push(event.eventId)
    this.current = { eventId: event.eventId, sequence }

    switch (event.type) {
      case 'identify':
        return this.identify(
          event,
          sequence,
          cfg,
          keys,
          keys.find((k) => cfg.types[typeOfKey(k)]?.role === 'anchor') ?? null,
          step,
        )
      case 'unlink':
        return this.unlink(event, cfg, keys, step)
      case 'note':
        return this.note(event, cfg, keys, step)
      case 'forget':
        return this.forget(event, cfg, keys, step)
    }
  }

  private deadLetter(step: ModelStep, reason: 'no-identifiers' | 'conflicting-anchors'): ModelStep {
    return { ...step, status: 'dead-lettered', deadLetterReason: reason }
  }

  private normaliseIdentifiers(event: ContactEvent, step: ModelStep): string[] {
    const kept: string[] = []
    for (const id of event.identifiers) {
      const n = this.hooks.normalise(event.tenant, id.type, id.value)
      if (!n.ok) {
        step.dropped.push({ key: keyOf(id.type, id.value), reason: n.reason })
        continue
      }
      const key = keyOf(id.type, n.value)
      if (!kept.includes(key)) kept.push(key)
    }
    return kept
  }

  private identify(
    event: ContactEvent,
    sequence: number,
    cfg: ModelTenantConfig,
    keys: string[],
    anchor: string | null,
    step: ModelStep,
  ): ModelStep {
    const links = keys.filter((k) => k !== anchor)
    const refused = new Set<ModelProfile>()
    let target: ModelProfile
    if (anchor !== null) {
      target = this.holders(event.tenant, anchor)[0] ?? this.create(event, sequence, anchor)
      for (const link of links) {
        const holder = this.holders(event.tenant, link)[0]
        if (holder === target) continue
        if (holder === undefined) this.attach(target, link, cfg, step)
        else if (holder.anchor === null) this.merge(target, holder, link, cfg, refused, step)
        else this.reassign(holder, target, link, cfg, step)
      }
    } else {
      const holderOf = new Map<string, ModelProfile>()
      for (const link of links) {
        const h = this.holders(event.tenant, link)[0]
        if (h) holderOf.set(link, h)
      }
      const candidates = unique([...holderOf.values()])
      const anchored = candidates.filter((p) => p.anchor !== null)
      if (candidates.length === 0) {
        target = this.create(event, sequence, null)
      } else if (anchored.length <= 1) {
        target = anchored[0] ?? oldest(candidates)
      } else {
        step.ambiguous = true
        // docs/resolution-rules.md: the anchored holder of the strongest identifier held by an
        // anchored profile (links are already strongest first).
        target = links.map((l) => holderOf.get(l)).find((h) => h?.anchor != null)!
      }
      for (const link of links) {
        const holder = this.holders(event.tenant, link)[0]
        if (holder === target) continue
        if (holder === undefined) this.attach(target, link, cfg, step)
        else if (holder.anchor === null) this.merge(target, holder, link, cfg, refused, step)
        // Another anchored profile keeps its link (rule 4: move no link between anchored ones).
      }
    }
    for (const [field, raw] of Object.entries(event.attributes)) {
      const parsed = this.hooks.parseAttribute(event.tenant, field, raw)
      if (parsed.kind === 'dropped') step.droppedAttributes.push({ field, reason: parsed.reason })
      else if (parsed.kind === 'value')
        offerAttribute(
          target,
          field,
          {
            value: parsed.value,
            source: event.source,
            timestamp: event.timestamp,
            sequence,
            eventId: event.eventId,
          },
          cfg,
        )
    }
    addNote(target, event, cfg)
    target.channels.add(event.source)
    return { ...step, profileId: target.id }
  }

  private unlink(
    event: ContactEvent,
    cfg: ModelTenantConfig,
    keys: string[],
    step: ModelStep,
  ): ModelStep {
    let first: ModelProfile | null = null
    for (const key of keys) {
      if (cfg.types[typeOfKey(key)]?.role === 'anchor') {
        step.dropped.push({ key, reason: 'anchor-not-linkable' })
        continue
      }
      for (const h of this.holders(event.tenant, key)) {
        h.links.delete(key)
        this.tenant(event.tenant).attachedBy.delete(key)
        first ??= h
      }
    }
    return { ...step, profileId: first?.id ?? null }
  }

  private note(
    event: ContactEvent,
    cfg: ModelTenantConfig,
    keys: string[],
    step: ModelStep,
  ): ModelStep {
    const subject = this.subjectOf(event.tenant, keys)
    if (!subject) return step
    if (addNote(subject, event, cfg)) subject.channels.add(event.source)
    return { ...step, profileId: subject.id }
  }

  private forget(
    event: ContactEvent,
    cfg: ModelTenantConfig,
    keys: string[],
    step: ModelStep,
  ): ModelStep {
    const t = this.tenant(event.tenant)
    const subject = this.subjectOf(event.tenant, keys)
    if (!subject) return step
    t.profiles.delete(subject.id)
    for (const k of [...(subject.anchor ? [subject.anchor] : []), ...subject.links])
      t.attachedBy.delete(k)
    // Retired ids that resolved to it are forgotten with it.
    for (const [retired] of t.retired)
      if (this.lookup(event.tenant, retired) === null) t.retired.delete(retired)
    if (cfg.suppressForgotten) {
      if (subject.anchor) t.suppressed.add(subject.anchor)
      for (const l of subject.links) t.suppressed.add(l)
    }
    step.effects.push({ kind: 'deleted', profileId: subject.id })
    return { ...step, profileId: subject.id }
  }

  /** Note and forget: the holder of the event's strongest held identifier (keys are sorted). */
  private subjectOf(tenant: string, keys: string[]): ModelProfile | null {
    for (const k of keys) {
      const h = this.holders(tenant, k)[0]
      if (h) return h
    }
    return null
  }

  // ---------------------------------------------------------------- mutations

  private create(event: ContactEvent, sequence: number, anchor: string | null): ModelProfile {
    const p: ModelProfile = {
      id: `${event.tenant}/${sequence}`,
      tenant: event.tenant,
      createdSequence: sequence,
      createdAt: event.timestamp,
      anchor,
      links: new Set(),
      channels: new Set(),
      attributes: new Map(),
      timeline: [],
      mergedFrom: new Set(),
    }
    this.tenant(event.tenant).profiles.set(p.id, p)
    if (anchor !== null) this.tenant(event.tenant).attachedBy.set(anchor, this.current)
    return p
  }

  private attach(
    target: ModelProfile,
    link: string,
    cfg: ModelTenantConfig,
    step: ModelStep,
  ): void {
    if (countOfType(target, typeOfKey(link)) + 1 > limitOf(cfg, link)) {
      step.dropped.push({ key: link, reason: 'limit-exceeded' })
      return
    }
    target.links.add(link)
    this.tenant(target.tenant).attachedBy.set(link, this.current)
  }

  private reassign(
    from: ModelProfile,
    to: ModelProfile,
    link: string,
    cfg: ModelTenantConfig,
    step: ModelStep,
  ): void {
    if (countOfType(to, typeOfKey(link)) + 1 > limitOf(cfg, link)) {
      step.dropped.push({ key: link, reason: 'limit-exceeded' })
      return
    }
    from.links.delete(link)
    to.links.add(link)
    this.tenant(to.tenant).attachedBy.set(link, this.current)
    step.effects.push({ kind: 'reassigned', link, from: from.id, to: to.id })
  }

  private merge(
    target: ModelProfile,
    other: ModelProfile,
    via: string,
    cfg: ModelTenantConfig,
    refused: Set<ModelProfile>,
    step: ModelStep,
  ): void {
    if (refused.has(other)) return
    const union = new Set([...target.links, ...other.links])
    // The first type over its limit, in config order, names the refusal.
    for (const type of Object.keys(cfg.types)) {
      const n = [...union].filter((k) => typeOfKey(k) === type).length
      if (n > (cfg.types[type]?.limit ?? Infinity)) {
        refused.add(other)
        step.effects.push({
          kind: 'merge-refused',
          target: target.id,
          refused: other.id,
          limitType: type,
        })
        return
      }
    }
    const t = this.tenant(target.tenant)
    target.links = union
    for (const c of other.channels) target.channels.add(c)
    for (const [field, attr] of other.attributes) offerAttribute(target, field, attr, cfg)
    target.timeline.push(...other.timeline)
    capTimeline(target, cfg)
    // The set is as old as its oldest member.
    if (isOlder(other, target)) {
      target.createdAt = other.createdAt
      target.createdSequence = other.createdSequence
    }
    for (const m of other.mergedFrom) target.mergedFrom.add(m)
    target.mergedFrom.add(other.id)
    t.profiles.delete(other.id)
    t.retired.set(other.id, target.id)
    step.effects.push({ kind: 'merged', survivor: target.id, merged: other.id, via })
  }

  private tenant(name: string): TenantState {
    let t = this.tenants.get(name)
    if (!t) {
      t = {
        profiles: new Map(),
        retired: new Map(),
        applied: [],
        suppressed: new Set(),
        attachedBy: new Map(),
        published: new Map(),
      }
      this.tenants.set(name, t)
    }
    return t
  }
}
