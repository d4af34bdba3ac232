import { stateKeys, type StateRecord } from '../core/resolver.js'
import type { MembersRecord, ProfileRecord } from '../core/state-records.js'
import type { Identifier, ProfileSnapshot } from '../core/types.js'
import type { KeyValueStore } from '../ports/key-value-store.js'
import type { RecordCodec } from './record-codec.js'

/** One line of profiles.ndjson: the live profile as a downstream user sees it (no provenance). */
export type ExportedProfile = Omit<ProfileSnapshot, 'provenance'>

const byTypeThenValue = (a: Identifier, b: Identifier): number =>
  a.type < b.type ? -1 : a.type > b.type ? 1 : a.value < b.value ? -1 : a.value > b.value ? 1 : 0

/** `chunks`: the record's membership chunks after the inline one (state layout: `members`). */
export function exportProfile(
  tenant: string,
  record: ProfileRecord,
  chunks: readonly MembersRecord[] = [],
): ExportedProfile {
  const identifiers = [...record.members]
  const mergedFrom = [...record.retired]
  for (const c of chunks) {
    identifiers.push(...c.identifiers)
    mergedFrom.push(...c.retired)
  }
  return {
    tenant,
    profileId: record.profileId,
    anchor: record.anchor,
    identifiers: identifiers.sort(byTypeThenValue),
    channels: [...record.channels].sort(),
    attributes: record.attributes,
    timeline: record.timeline,
    mergedFrom: mergedFrom.sort(),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  }
}

/**
 * Every live profile in the store, sorted by tenant then profileId, without holding them all
 * in memory. A profile is stored under its set's root id, which is its public profileId except
 * when the spec's survivor differs from the union-find root. The first kind comes out of a scan
 * in key order (= profileId order: ids are ASCII); the second kind, a minority, is gathered by a
 * first scan and merged into the second.
 */
export async function* liveProfiles(
  store: KeyValueStore,
  codec: RecordCodec<StateRecord>,
): AsyncGenerator<ExportedProfile> {
  const displaced = new Map<string, ExportedProfile[]>()
  for await (const { tenant, stored, profile } of storedProfiles(store, codec)) {
    if (stored) continue
    const list = displaced.get(tenant) ?? []
    list.push(profile)
    displaced.set(tenant, list)
  }
  for (const list of displaced.values()) list.sort(byProfileId)

  let tenant: string | null = null
  let pending: ExportedProfile[] = []
  let next = 0
  function* releaseBefore(profileId: string | null): Generator<ExportedProfile> {
    while (
      next < pending.length &&
      (profileId === null || (pending[next] as ExportedProfile).profileId < profileId)
    ) {
      yield pending[next++] as ExportedProfile
    }
  }
  for await (const { tenant: current, stored, profile } of storedProfiles(store, codec)) {
    if (current !== tenant) {
      yield* releaseBefore(null)
      tenant = current
      pending = displaced.get(current) ?? []
      next = 0
    }
    if (!stored) continue
    yield* releaseBefore(profile.profileId)
    yield profile
  }
  // Every tenant with a profile passes above (displaced ones included), so this ends the last.
  yield* releaseBefore(null)
}

const byProfileId = (a: ExportedProfile, b: ExportedProfile): number =>
  a.profileId < b.profileId ? -1 : a.profileId > b.profileId ? 1 : 0

/** Profile records in key order; `stored` when the record's key is its own profileId. */
async function* storedProfiles(
  store: KeyValueStore,
  codec: RecordCodec<StateRecord>,
): AsyncGenerator<{ tenant: string; stored: boolean; profile: ExportedProfile }> {
  const S = stateKeys.KEY_SEPARATOR
  for await (const [key, bytes] of store.scan('')) {
    // most keys are links and markers: told apart by their kind letter before parsing
    if (key.charAt(key.indexOf(S) + 1) !== 'p') continue
    const parsed = stateKeys.parseKey(key)
    if (parsed?.kind !== 'profile') continue
    const record = codec.decode(bytes)
    if (record.type !== 'profile') continue
    yield {
      tenant: parsed.tenant,
      stored: record.profileId === parsed.profileId,
      profile: exportProfile(
        parsed.tenant,
        record,
        await memberChunks(store, codec, parsed.tenant, record.next),
      ),
    }
  }
}

/** A large profile's membership chunks, read along their chain (small ones have none). */
export async function memberChunks(
  store: Pick<KeyValueStore, 'getMany'>,
  codec: RecordCodec<StateRecord>,
  tenant: string,
  first: string | null,
): Promise<MembersRecord[]> {
  const chunks: MembersRecord[] = []
  const seen = new Set<string>()
  for (let next = first; next !== null && !seen.has(next);) {
    seen.add(next)
    const [bytes] = await store.getMany([stateKeys.chunkKey(tenant, next)])
    if (bytes === undefined) break
    const chunk = codec.decode(bytes)
    if (chunk.type !== 'members') break
    chunks.push(chunk)
    next = chunk.next
  }
  return chunks
}
