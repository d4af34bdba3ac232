/**
 * Profile Unifier over generated files, in-process, through the same path as `unifier resolve`
 * (NDJSON lines → batch resolver → store), and its final partition read back from the store.
 */
import type { IdentityConfig } from '../../src/core/config.js'
import type { StateRecord } from '../../src/core/resolver.js'
import type { KeyValueStore } from '../../src/ports/key-value-store.js'
import { resolveNdjson } from '../../src/cli/ndjson-resolution.js'
import { openLines } from '../../src/cli/ndjson.js'
import { liveProfiles } from '../../src/cli/profiles.js'
import type { ResolveStats } from '../../src/runtime/batch-resolver.js'
import { msgpackCodec } from '../../src/state/record-codec.js'
import { identifierKey } from './pairwise.js'

export interface FileRun extends ResolveStats {
  readonly badLines: number
  /** Merges by what connected the two profiles (the merge's `via`), classified by `classify`. */
  readonly mergesVia: Readonly<Record<string, number>>
  /** Identifiers dropped by reason (blocked, invalid, limit-exceeded, ...). */
  readonly dropped: Readonly<Record<string, number>>
  readonly elapsedMs: number
  readonly eventsPerSecond: number
}

const codec = msgpackCodec<StateRecord>()

/** Applies one NDJSON file on top of whatever the store already holds. */
export async function resolveFile(
  config: IdentityConfig,
  store: KeyValueStore,
  path: string,
  prefetch: boolean,
  classify: (key: string) => string = () => 'identifier',
): Promise<FileRun> {
  const mergesVia: Record<string, number> = {}
  const dropped: Record<string, number> = {}
  const started = performance.now()
  const stats = await resolveNdjson({
    config,
    source: await openLines(path),
    store,
    codec,
    prefetch,
    onOutput: (_line, _event, output) => {
      if (output.kind !== 'merged') return
      const cause =
        output.via === null ? 'none' : classify(identifierKey(output.via.type, output.via.value))
      mergesVia[cause] = (mergesVia[cause] ?? 0) + 1
    },
    onOutcome: (_line, outcome) => {
      for (const drop of outcome.dropped) dropped[drop.reason] = (dropped[drop.reason] ?? 0) + 1
    },
    onBadLine: () => undefined,
  })
  const elapsedMs = performance.now() - started
  const lines = stats.events + stats.badLines
  return {
    ...stats,
    mergesVia,
    dropped,
    elapsedMs,
    eventsPerSecond: Math.round(lines / (elapsedMs / 1000)),
  }
}

/** Every live profile as a list of identifier keys (the predicted partition). */
export async function profileKeys(store: KeyValueStore): Promise<string[][]> {
  const profiles: string[][] = []
  for await (const profile of liveProfiles(store, codec)) {
    profiles.push(profile.identifiers.map((id) => identifierKey(id.type, id.value)))
  }
  return profiles
}
