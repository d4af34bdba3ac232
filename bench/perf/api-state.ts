/**
 * The state of bench:api (api.ts): `profiles` people of the synthetic stream (one tenant, about
 * 4 identifiers each) resolved by the batch resolver straight into a RocksDB store laid out as
 * the processor writes it, which is what `unifier api` holds after following the state
 * changelog (rss-state.ts's events). Each person's first event also carries a last name (about
 * 27,000 distinct ones: ~40 people each at 1M) and loyalty points (0-999), so search has a
 * rare word, a common one (the stream's eight first names) and a number to filter on. Kept
 * under bench/data/ (git-ignored) with a BUILT marker and reused by later runs.
 */
import { existsSync } from 'node:fs'
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { loadIdentityConfig } from '../../src/config/identity-config.js'
import { createResolver } from '../../src/core/resolver.js'
import {
  BatchResolver,
  DEFAULT_FLUSH_EVERY,
  resolveAll,
  type ResolverInput,
} from '../../src/runtime/batch-resolver.js'
import { createStatePrefetcher } from '../../src/runtime/state-prefetch.js'
import { RocksDbStore } from '../../src/state/rocksdb-store.js'
import { packageRoot } from '../../src/topology/package-files.js'
import { stateEvents } from './rss-state.js'

export const API_TENANT = 'bench'

const SYLLABLES = ['ka', 'lo', 'mi', 'ren', 'do', 'vash', 'tel', 'bri', 'san', 'gor']
const ENDINGS = ['ez', 'son', 'ova', 'ini', 'berg', 'ard', 'ley', 'os', 'ic', 'au', 'ier', 'ton']
const ENDS = SYLLABLES.length ** 3 * ENDINGS.length

/** Person n's last name: one of 12,000 ("Kalomiez"), spread over n by a multiplicative hash. */
export function lastNameOf(n: number): string {
  let x = Math.imul(n + 1, 0x9e3779b1) >>> 0
  x %= ENDS
  const s = (i: number) => SYLLABLES[Math.floor(x / SYLLABLES.length ** i) % SYLLABLES.length]
  const name = `${s(0)}${s(1)}${s(2)}${ENDINGS[Math.floor(x / SYLLABLES.length ** 3)]}`
  return name[0]?.toUpperCase() + name.slice(1)
}

export const pointsOf = (n: number): number => (n * 37) % 1000

/** The synthetic stream's email (test/support/synthetic-stream.ts): person n's number. */
const personOfEmail = (value: string) => Number(/^user(\d+)@/.exec(value)?.[1])

/** Adds last_name and points to each person's first event (the one naming first_name). */
function* withSearchAttributes(events: Iterable<ResolverInput>): Generator<ResolverInput> {
  for (const input of events) {
    const email = input.event.identifiers.find((i) => i.type === 'email')
    if (input.event.attributes.first_name === undefined || email === undefined) {
      yield input
      continue
    }
    const n = personOfEmail(email.value)
    yield {
      ...input,
      event: {
        ...input.event,
        attributes: { ...input.event.attributes, last_name: lastNameOf(n), points: pointsOf(n) },
      },
    }
  }
}

/** The state directory (its RocksDB store is `<dir>/store`), built first when absent. */
export async function apiState(options: {
  readonly profiles: number
  readonly seed: number
  readonly rebuild: boolean
  readonly log: (line: string) => void
}): Promise<{ store: string; build: object | null }> {
  const { profiles, seed, log } = options
  const dir = join(packageRoot(), 'bench', 'data', `api-state-v2-${profiles}-${seed}`)
  const done = join(dir, 'BUILT')
  if (existsSync(done) && !options.rebuild) {
    log(`state: reusing ${dir}`)
    return { store: join(dir, 'store'), build: null }
  }
  await rm(dir, { recursive: true, force: true })
  const identity = await loadIdentityConfig(join(packageRoot(), 'samples', 'identity.yaml'))
  const store = await RocksDbStore.open(join(dir, 'store'))
  const started = performance.now()
  const batch = await BatchResolver.open({
    resolver: createResolver(identity),
    store,
    prefetch: createStatePrefetcher(identity),
    flushEvery: DEFAULT_FLUSH_EVERY,
  })
  let reported = 0
  const events = stateEvents({ tenant: API_TENANT, identifiers: profiles * 4, newEvents: 0, seed })
  const stats = await resolveAll(batch, withSearchAttributes(events), () => {
    if (batch.stats.events - reported < 250_000) return
    reported = batch.stats.events
    log(`  ${reported} events resolved`)
  })
  await store.close()
  const seconds = Math.round((performance.now() - started) / 100) / 10
  await writeFile(done, new Date().toISOString())
  log(`state: ${stats.events} events resolved in ${seconds} s`)
  return {
    store: join(dir, 'store'),
    build: { events: stats.events, merges: stats.merges, seconds },
  }
}
