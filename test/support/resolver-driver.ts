/**
 * Runs contact events through the resolver in memory, one after another, applying each
 * decision's writes before the next (as the runtime does). For tests, property tests and
 * tools: no Kafka, no disk, no clock.
 */
import type { IdentityConfig } from '../../src/core/config.js'
import { createResolver, type ProfileLookup, type Resolver } from '../../src/core/resolver.js'
import type { Decision, StateReader } from '../../src/core/state.js'
import type { StateRecord } from '../../src/core/state-records.js'
import type {
  ContactEvent,
  EventOutcome,
  Identifier,
  OutputRecord,
  RawAttributeValue,
} from '../../src/core/types.js'

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}

/** A Map-backed StateReader; getMany counts its rounds so tests can check batching. */
export class MapState implements StateReader<StateRecord> {
  readonly map = new Map<string, StateRecord>()
  rounds = 0

  getMany(keys: readonly string[]): Promise<Array<StateRecord | undefined>> {
    this.rounds++
    return Promise.resolve(keys.map((k) => this.map.get(k)))
  }

  /** Off for tests that exercise the asynchronous path. */
  syncReads = true

  getManySync(keys: readonly string[]): Array<StateRecord | undefined> | null {
    if (!this.syncReads) return null
    this.rounds++
    return keys.map((k) => this.map.get(k))
  }

  /**
   * Stored values are deep-frozen, as a shared cache would hand them out: a resolver that
   * changes a record it read fails loudly instead of corrupting state.
   */
  apply(decision: Decision<StateRecord>): void {
    for (const w of decision.writes) {
      if (w.value === null) this.map.delete(w.key)
      else this.map.set(w.key, deepFreeze(structuredClone(w.value)))
    }
  }
}

/** What a test writes: identifiers as `type: value` pairs; everything else has defaults. */
export interface EventInput {
  readonly eventId?: string
  readonly tenant?: string
  readonly type?: ContactEvent['type']
  readonly source?: string
  readonly timestamp?: number
  readonly ids?: Readonly<Record<string, string | readonly string[] | undefined>>
  readonly identifiers?: readonly Identifier[]
  readonly attributes?: Readonly<Record<string, RawAttributeValue>>
  readonly note?: string | null
}

export class ResolverDriver {
  readonly state = new MapState()
  readonly resolver: Resolver
  readonly outputs: OutputRecord[] = []
  readonly outcomes: EventOutcome[] = []
  private sequence = 0
  private autoId = 0

  constructor(
    config: IdentityConfig,
    private readonly defaultTenant = 'acme',
  ) {
    this.resolver = createResolver(config)
  }

  event(input: EventInput): ContactEvent {
    const identifiers: Identifier[] = [...(input.identifiers ?? [])]
    for (const [type, v] of Object.entries(input.ids ?? {})) {
      if (v === undefined) continue
      for (const value of typeof v === 'string' ? [v] : v) identifiers.push({ type, value })
    }
    const n = ++this.autoId
    return {
      eventId: input.eventId ?? `e${n}`,
      tenant: input.tenant ?? this.defaultTenant,
      type: input.type ?? 'identify',
      source: input.source ?? 'web',
      timestamp: input.timestamp ?? 1_700_000_000_000 + n * 1000,
      identifiers,
      attributes: input.attributes ?? {},
      note: input.note ?? null,
    }
  }

  /** Decides one event and applies its writes; returns the decision. */
  async send(input: EventInput | ContactEvent): Promise<Decision<StateRecord>> {
    const event =
      'identifiers' in input && 'eventId' in input && 'note' in input
        ? (input as ContactEvent)
        : this.event(input)
    const decision = await this.resolver.decide(event, { sequence: ++this.sequence }, this.state)
    this.state.apply(decision)
    this.outputs.push(...decision.outputs)
    this.outcomes.push(decision.outcome)
    return decision
  }

  async sendAll(
    inputs: ReadonlyArray<EventInput | ContactEvent>,
  ): Promise<Decision<StateRecord>[]> {
    const out: Decision<StateRecord>[] = []
    for (const i of inputs) out.push(await this.send(i))
    return out
  }

  lookup(
    profileId: string | null | undefined,
    tenant = this.defaultTenant,
  ): Promise<ProfileLookup | null> {
    if (profileId === null || profileId === undefined) return Promise.resolve(null)
    return this.resolver.lookupProfile(tenant, profileId, this.state)
  }

  lookupIdentifier(
    type: string,
    value: string,
    tenant = this.defaultTenant,
  ): Promise<ProfileLookup | null> {
    return this.resolver.lookupIdentifier(tenant, { type, value }, this.state)
  }

  /** The profile id holding the identifier now, or null. */
  async profileOf(
    type: string,
    value: string,
    tenant = this.defaultTenant,
  ): Promise<string | null> {
    return (await this.lookupIdentifier(type, value, tenant))?.profileId ?? null
  }
}

/** given(config, events): a driver whose state already reflects `events`. */
export async function given(
  config: IdentityConfig,
  events: ReadonlyArray<EventInput | ContactEvent> = [],
): Promise<ResolverDriver> {
  const driver = new ResolverDriver(config)
  await driver.sendAll(events)
  return driver
}

/** The output records of one kind, typed. */
export function outputsOf<K extends OutputRecord['kind']>(
  outputs: readonly OutputRecord[],
  kind: K,
): Array<Extract<OutputRecord, { kind: K }>> {
  return outputs.filter((o): o is Extract<OutputRecord, { kind: K }> => o.kind === kind)
}
