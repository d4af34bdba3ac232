import { stateKeys, type StateRecord } from '../core/resolver.js'
import type { ProfileRecord } from '../core/state-records.js'
import type { AttributeValue, Identifier, TimelineEntry } from '../core/types.js'
import type { KeyValueStore } from '../ports/key-value-store.js'
import type { RecordCodec } from '../state/record-codec.js'

/** One line of profiles.ndjson: the live profile as a downstream user sees it. */
export interface ExportedProfile {
  readonly tenant: string
  readonly profileId: string
  readonly anchor: Identifier | null
  readonly identifiers: readonly Identifier[]
  readonly channels: readonly string[]
  readonly attributes: Readonly<Record<string, AttributeValue>>
  readonly timeline: readonly TimelineEntry[]
  readonly mergedFrom: readonly string[]
  readonly createdAt: number
  readonly updatedAt: number
}

const byTypeThenValue = (a: Identifier, b: Identifier): number =>
  a.type < b.type ? -1 : a.type > b.type ? 1 : a.value < b.value ? -1 : a.value > b.value ? 1 : 0

export function exportProfile(tenant: string, record: ProfileRecord): ExportedProfile {
  return {
    tenant,
    profileId: record.profileId,
    anchor: record.anchor,
    identifiers: [...record.identifiers].sort(byTypeThenValue),
    channels: [...record.channels].sort(),
    attributes: record.attributes,
    timeline: record.timeline,
    mergedFrom: [...record.mergedFrom].sort(),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  }
}

/**
 * Every live profile in the store, sorted by tenant then profileId. Only profile keys are
 * decoded. Profiles are keyed by their set's root id, which may differ from the public
 * profileId, so one tenant's profiles are gathered and sorted before they are yielded.
 */
export async function* liveProfiles(
  store: KeyValueStore,
  codec: RecordCodec<StateRecord>,
): AsyncGenerator<ExportedProfile> {
  let tenant: string | null = null
  let gathered: ExportedProfile[] = []
  const drain = () =>
    gathered.sort((a, b) => (a.profileId < b.profileId ? -1 : a.profileId > b.profileId ? 1 : 0))
  for await (const [key, bytes] of store.scan('')) {
    const parsed = stateKeys.parseKey(key)
    if (parsed?.kind !== 'profile') continue
    const record = codec.decode(bytes)
    if (record.type !== 'profile') continue
    if (parsed.tenant !== tenant) {
      yield* drain()
      gathered = []
      tenant = parsed.tenant
    }
    gathered.push(exportProfile(parsed.tenant, record))
  }
  yield* drain()
}
