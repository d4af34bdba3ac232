/**
 * A deliberately naive model of docs/identity-resolution (the product spec), written from the
 * spec without reading src/core's resolver. Everything is recomputed by scanning plain objects:
 * who holds an identifier is found by looking at every live profile, limits are checked by
 * counting, merges copy sets. It is slow on purpose so that it is easy to believe.
 *
 * It shares only the identifier normalisation and attribute parsing with the real resolver
 * (passed in as `ModelHooks`): those are not what the property tests examine.
 */
import type { IdentityConfig, TenantIdentityConfig } from '../../src/core/config.js'
import type {
  AttributeValue,
  ContactEvent,
  DropReason,
  RawAttributeValue,
} from '../../src/core/types.js'

export type Role = 'anchor' | 'link'

export interface ModelIdentifierType {
  readonly role: Role
  readonly limit: number
  /** Lower is stronger. */
  readonly priority: number
}

export interface ModelTenantConfig {
  readonly types: Readonly<Record<string, ModelIdentifierType>>
  readonly fields: ReadonlySet<string>
  /** Strongest first; unlisted sources rank after all listed ones, equal to each other. */
  readonly sourcePriority: readonly string[]
  readonly timelineCap: number
  readonly suppressForgotten: boolean
}

export type NormalisedIdentifier =
  | { readonly ok: true; readonly value: string }
  | { readonly ok: false; readonly reason: 'blocked' | 'invalid' | 'unknown-type' }

export type ParsedAttribute =
  | { readonly kind: 'value'; readonly value: AttributeValue }
  | { readonly kind: 'empty' }
  | { readonly kind: 'dropped'; readonly reason: 'unknown-field' | 'type-mismatch' }

/** The parts borrowed from the real code: how raw values become canonical ones. */
export interface ModelHooks {
  normalise(tenant: string, type: string, raw: string): NormalisedIdentifier
  parseAttribute(tenant: string, field: string, raw: RawAttributeValue): ParsedAttribute
}

export interface ModelAttribute {
  readonly value: AttributeValue
  readonly source: string
  readonly timestamp: number
  readonly sequence: number
  readonly eventId: string
}

export interface ModelNote {
  readonly eventId: string
  readonly timestamp: number
  readonly sequence: number
  readonly source: string
  readonly note: string
}

export interface ModelProfile {
  /** Model-local id: `${tenant}/${sequence of the creating event}`. */
  readonly id: string
  readonly tenant: string
  readonly createdSequence: number
  readonly createdAt: number
  anchor: string | null
  /** Normalised `type:value` keys of links (never the anchor). */
  links: Set<string>
  channels: Set<string>
  attributes: Map<string, ModelAttribute>
  timeline: ModelNote[]
  mergedFrom: Set<string>
}

export type ModelEffect =
  | {
      readonly kind: 'merged'
      readonly survivor: string
      readonly merged: string
      readonly via: string | null
    }
  | {
      readonly kind: 'reassigned'
      readonly link: string
      readonly from: string
      readonly to: string
    }
  | {
      readonly kind: 'merge-refused'
      readonly target: string
      readonly refused: string
      readonly limitType: string
    }
  | { readonly kind: 'deleted'; readonly profileId: string }

export interface ModelStep {
  readonly eventId: string
  readonly tenant: string
  readonly status: 'applied' | 'duplicate' | 'dead-lettered'
  readonly deadLetterReason: 'no-identifiers' | 'conflicting-anchors' | null
  readonly profileId: string | null
  readonly dropped: Array<{ key: string; reason: DropReason }>
  readonly droppedAttributes: Array<{ field: string; reason: 'unknown-field' | 'type-mismatch' }>
  ambiguous: boolean
  readonly effects: ModelEffect[]
}

interface TenantState {
  profiles: Map<string, ModelProfile>
  /** Retired id → the id it was merged into (follow the chain to the live survivor). */
  retired: Map<string, string>
  applied: Set<string>
  suppressed: Set<string>
}

/** The model's view of the real config type: only what the rules use. */
export function modelTenantConfig(t: TenantIdentityConfig): ModelTenantConfig {
  return {
    types: Object.fromEntries(
      Object.entries(t.identifiers).map(([type, c]) => [
        type,
        {
          role: c.role,
          limit: c.role === 'anchor' ? 1 : (c.limit ?? Infinity),
          // The config says anchors outrank every link whatever their number says.
          priority: c.role === 'anchor' ? -Infinity : c.priority,
        },
      ]),
    ),
    fields: new Set(Object.keys(t.attributes)),
    sourcePriority: t.sourcePriority,
    timelineCap: t.timelineCap,
    suppressForgotten: t.suppressForgotten,
  }
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

export const keyOf = (type: string, value: string): string => `${type}:${value}`
export const typeOfKey = (key: string): string => key.slice(0, key.indexOf(':'))

export class ReferenceModel {
  private readonly tenants = new Map<string, TenantState>()

  constructor(
    private readonly configFor: (tenant: string) => ModelTenantConfig,
    private readonly hooks: ModelHooks,
  ) {}

  // ---------------------------------------------------------------- queries

  liveProfiles(tenant: string): ModelProfile[] {
    return [...this.tenant(tenant).profiles.values()]
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

  retiredIds(tenant: string): string[] {
    return [...this.tenant(tenant).retired.keys()]
  }

  /** Every live profile holding `key` (as anchor or link); the invariant says at most one. */
  holders(tenant: string, key: string): ModelProfile[] {
    return this.liveProfiles(tenant).filter((p) => p.anchor === key || p.links.has(key))
  }

  // ---------------------------------------------------------------- events

  apply(event: ContactEvent, sequence: number): ModelStep {
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
    }
    if (t.applied.has(event.eventId)) return { ...step, status: 'duplicate' }

    const cfg = this.configFor(event.tenant)
    const keys = this.normaliseIdentifiers(event, cfg, step)
    if (keys.length === 0) return this.deadLetter(step, 'no-identifiers')
    const anchors = keys.filter((k) => cfg.types[typeOfKey(k)]?.role === 'anchor')
    if (anchors.length > 1) return this.deadLetter(step, 'conflicting-anchors')
    t.applied.add(event.eventId)

    switch (event.type) {
      case 'identify':
        return this.identify(event, sequence, cfg, keys, anchors[0] ?? null, step)
      case 'unlink':
        return this.unlink(event, cfg, keys, step)
      case 'note':
        return this.note(event, sequence, cfg, keys, step)
      case 'forget':
        return this.forget(event, cfg, keys, step)
    }
  }

  private deadLetter(step: ModelStep, reason: 'no-identifiers' | 'conflicting-anchors'): ModelStep {
    return { ...step, status: 'dead-lettered', deadLetterReason: reason }
  }

  private normaliseIdentifiers(
    event: ContactEvent,
    cfg: ModelTenantConfig,
    step: ModelStep,
  ): string[] {
    const t = this.tenant(event.tenant)
    const kept: string[] = []
    for (const id of event.identifiers) {
      const n = this.hooks.normalise(event.tenant, id.type, id.value)
      if (!n.ok) {
        step.dropped.push({ key: keyOf(id.type, id.value), reason: n.reason })
        continue
      }
      const key = keyOf(id.type, n.value)
      if (cfg.suppressForgotten && t.suppressed.has(key)) {
        step.dropped.push({ key, reason: 'suppressed' })
        continue
      }
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
    let target: ModelProfile
    if (anchor !== null) {
      target = this.holders(event.tenant, anchor)[0] ?? this.create(event, sequence, anchor)
      for (const link of links) {
        const holder = this.holders(event.tenant, link)[0]
        if (holder === target) continue
        if (holder === undefined) this.attach(target, link, cfg, step)
        else if (holder.anchor === null) this.merge(target, holder, link, cfg, event, step)
        else this.reassign(holder, target, link, cfg, step)
      }
    } else {
      const held = new Map<string, ModelProfile>()
      for (const link of links) {
        const h = this.holders(event.tenant, link)[0]
        if (h) held.set(link, h)
      }
      const candidates = unique([...held.values()])
      const anchored = candidates.filter((p) => p.anchor !== null)
      if (candidates.length === 0) {
        target = this.create(event, sequence, null)
      } else if (anchored.length <= 1) {
        target = anchored[0] ?? oldest(candidates)
      } else {
        step.ambiguous = true
        const strongest = [...held.keys()].sort(
          (a, b) => priorityOf(cfg, a) - priorityOf(cfg, b),
        )[0]!
        target = held.get(strongest)!
      }
      for (const link of links) {
        const holder = held.get(link)
        const current = holder ? this.lookup(event.tenant, holder.id) : undefined
        if (current === target) continue
        if (current === undefined || current === null) this.attach(target, link, cfg, step)
        else if (current.anchor === null) this.merge(target, current, link, cfg, event, step)
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
    target.channels.add(event.source)
    return { ...step, profileId: target.id }
  }

  private unlink(
    event: ContactEvent,
    cfg: ModelTenantConfig,
    keys: string[],
    step: ModelStep,
  ): ModelStep {
    let last: ModelProfile | null = null
    for (const key of keys) {
      if (cfg.types[typeOfKey(key)]?.role === 'anchor') {
        step.dropped.push({ key, reason: 'anchor-not-linkable' })
        continue
      }
      for (const h of this.holders(event.tenant, key)) {
        h.links.delete(key)
        last = h
      }
    }
    return { ...step, profileId: last?.id ?? null }
  }

  private note(
    event: ContactEvent,
    sequence: number,
    cfg: ModelTenantConfig,
    keys: string[],
    step: ModelStep,
  ): ModelStep {
    const target = this.resolveStrongest(event.tenant, cfg, keys)
    if (!target || event.note === null) return step
    target.timeline.push({
      eventId: event.eventId,
      timestamp: event.timestamp,
      sequence,
      source: event.source,
      note: event.note,
    })
    capTimeline(target, cfg)
    return { ...step, profileId: target.id }
  }

  private forget(
    event: ContactEvent,
    cfg: ModelTenantConfig,
    keys: string[],
    step: ModelStep,
  ): ModelStep {
    const t = this.tenant(event.tenant)
    const target = this.resolveStrongest(event.tenant, cfg, keys)
    if (!target) return step
    t.profiles.delete(target.id)
    for (const [retired, survivor] of t.retired)
      if (survivor === target.id) t.retired.delete(retired)
    if (cfg.suppressForgotten) {
      if (target.anchor) t.suppressed.add(target.anchor)
      for (const l of target.links) t.suppressed.add(l)
    }
    step.effects.push({ kind: 'deleted', profileId: target.id })
    return step
  }

  /** The live profile holding the event's strongest-priority held identifier. */
  private resolveStrongest(
    tenant: string,
    cfg: ModelTenantConfig,
    keys: string[],
  ): ModelProfile | null {
    const held = keys
      .filter((k) => this.holders(tenant, k).length > 0)
      .sort((a, b) => priorityOf(cfg, a) - priorityOf(cfg, b))
    return held[0] === undefined ? null : this.holders(tenant, held[0])[0]!
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
    step.effects.push({ kind: 'reassigned', link, from: from.id, to: to.id })
  }

  private merge(
    target: ModelProfile,
    other: ModelProfile,
    via: string,
    cfg: ModelTenantConfig,
    event: ContactEvent,
    step: ModelStep,
  ): void {
    const union = new Set([...target.links, ...other.links])
    for (const type of Object.keys(cfg.types).sort()) {
      const n = [...union].filter((k) => typeOfKey(k) === type).length
      if (n > (cfg.types[type]?.limit ?? Infinity)) {
        step.effects.push({
          kind: 'merge-refused',
          target: target.id,
          refused: other.id,
          limitType: type,
        })
        return
      }
    }
    const t = this.tenant(event.tenant)
    target.links = union
    for (const c of other.channels) target.channels.add(c)
    for (const [field, attr] of other.attributes) offerAttribute(target, field, attr, cfg)
    target.timeline.push(...other.timeline)
    capTimeline(target, cfg)
    for (const m of other.mergedFrom) target.mergedFrom.add(m)
    target.mergedFrom.add(other.id)
    t.profiles.delete(other.id)
    t.retired.set(other.id, target.id)
    step.effects.push({ kind: 'merged', survivor: target.id, merged: other.id, via })
  }

  private tenant(name: string): TenantState {
    let t = this.tenants.get(name)
    if (!t) {
      t = { profiles: new Map(), retired: new Map(), applied: new Set(), suppressed: new Set() }
      this.tenants.set(name, t)
    }
    return t
  }
}

// ------------------------------------------------------------------ rules as plain functions

/** Rule 7: does `candidate` beat `current` for one field? Empty values never reach here. */
export function beats(
  candidate: ModelAttribute,
  current: ModelAttribute,
  cfg: ModelTenantConfig,
): boolean {
  const rc = sourceRank(cfg, candidate.source)
  const ro = sourceRank(cfg, current.source)
  if (rc !== ro) return rc < ro
  if (candidate.timestamp !== current.timestamp) return candidate.timestamp > current.timestamp
  return candidate.sequence > current.sequence
}

export function sourceRank(cfg: ModelTenantConfig, source: string): number {
  const i = cfg.sourcePriority.indexOf(source)
  return i === -1 ? cfg.sourcePriority.length : i
}

function offerAttribute(
  p: ModelProfile,
  field: string,
  attr: ModelAttribute,
  cfg: ModelTenantConfig,
): void {
  const current = p.attributes.get(field)
  if (current === undefined || beats(attr, current, cfg)) p.attributes.set(field, attr)
}

function capTimeline(p: ModelProfile, cfg: ModelTenantConfig): void {
  p.timeline.sort((a, b) => b.timestamp - a.timestamp || b.sequence - a.sequence)
  p.timeline = p.timeline.slice(0, cfg.timelineCap)
}

function oldest(ps: ModelProfile[]): ModelProfile {
  return [...ps].sort(
    (a, b) => a.createdAt - b.createdAt || a.createdSequence - b.createdSequence,
  )[0]!
}

function countOfType(p: ModelProfile, type: string): number {
  return [...p.links].filter((k) => typeOfKey(k) === type).length
}

function limitOf(cfg: ModelTenantConfig, key: string): number {
  return cfg.types[typeOfKey(key)]?.limit ?? Infinity
}

function priorityOf(cfg: ModelTenantConfig, key: string): number {
  return cfg.types[typeOfKey(key)]?.priority ?? Infinity
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)]
}
