import { join, relative } from 'node:path'
import type { IdentityConfig } from '../core/config.js'
import type { StateRecord } from '../core/resolver.js'
import { msgpackCodec } from '../state/record-codec.js'
import { RocksDbStore } from '../state/rocksdb-store.js'
import { openLines } from './ndjson.js'
import { resolveNdjson } from './ndjson-resolution.js'
import { packageRoot } from './package-root.js'
import { liveProfiles, type ExportedProfile } from './profiles.js'
import type { StartReport } from './start-report.js'

/** The embedded default: the bundled sample, state under .state/ in the working directory. */
export const DEFAULT_START = {
  config: join(packageRoot(), 'samples', 'identity.yaml'),
  input: join(packageRoot(), 'samples', 'events.ndjson'),
  stateDir: join('.state', 'start'),
} as const

export interface StartOptions {
  readonly config: IdentityConfig
  readonly input: string
  readonly stateDir: string
}

/**
 * Resolves the input into RocksDB state that outlives the process: a second run continues
 * from it, and events applied before are recognised by eventId and skipped.
 */
export async function runStart(options: StartOptions): Promise<StartReport> {
  const source = await openLines(options.input)
  const store = await RocksDbStore.open(options.stateDir)
  const codec = msgpackCodec<StateRecord>()
  const report = {
    merges: [] as Array<StartReport['merges'][number]>,
    reassignments: [] as Array<StartReport['reassignments'][number]>,
    refusals: [] as Array<StartReport['refusals'][number]>,
    deadLetters: [] as Array<StartReport['deadLetters'][number]>,
    badLines: [] as Array<StartReport['badLines'][number]>,
    dropped: [] as Array<StartReport['dropped'][number]>,
  }
  try {
    const stats = await resolveNdjson({
      config: options.config,
      source,
      store,
      codec,
      prefetch: true,
      onOutput: (line, _event, output) => {
        switch (output.kind) {
          case 'merged':
            return void report.merges.push({ ...output, line })
          case 'reassigned':
            return void report.reassignments.push({ ...output, line })
          case 'merge-refused':
            return void report.refusals.push({ ...output, line })
          case 'dead-letter':
            return void report.deadLetters.push({ ...output, line })
          case 'profile':
          case 'deleted':
            return
        }
      },
      onOutcome: (line, outcome) => {
        for (const { identifier, reason } of outcome.dropped) {
          report.dropped.push({ line, eventId: outcome.eventId, identifier, reason })
        }
      },
      onBadLine: (bad) => void report.badLines.push(bad),
    })
    const profiles: ExportedProfile[] = []
    for await (const profile of liveProfiles(store, codec)) profiles.push(profile)
    return {
      ...report,
      eventsRead: stats.events + stats.badLines,
      applied: stats.applied,
      duplicates: stats.duplicates,
      profiles,
    }
  } finally {
    await store.close()
  }
}

/** A path as a person would type it from the working directory. */
export function shown(path: string): string {
  const rel = relative(process.cwd(), path)
  return rel === '' ? '.' : rel.startsWith('..') ? path : rel
}
