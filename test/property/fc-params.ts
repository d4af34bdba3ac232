/**
 * One place for the knobs every property shares, so any failure is replayable:
 *   FC_SEED=<seed> [FC_PATH=<path>]  replay the exact counterexample fast-check printed
 *   FC_NUM_RUNS=<n>                  run every property n times instead of its default
 * Defaults keep the whole property suite around a minute on a 2-core machine (docs/testing.md).
 */
import type fc from 'fast-check'

function envInt(name: string): number | undefined {
  const raw = process.env[name]
  if (raw === undefined || raw.trim() === '') return undefined
  const n = Number(raw)
  if (!Number.isInteger(n)) throw new Error(`${name} must be an integer, got ${raw}`)
  return n
}

export function fcParams<T>(defaultRuns: number): fc.Parameters<T> {
  const seed = envInt('FC_SEED')
  const path = process.env.FC_PATH
  return {
    numRuns: envInt('FC_NUM_RUNS') ?? defaultRuns,
    ...(seed === undefined ? {} : { seed }),
    ...(path === undefined || path === '' ? {} : { path }),
  }
}

/**
 * Generous on purpose: FC_NUM_RUNS can scale a property a hundredfold. Not an assertion about
 * speed; the default budget is documented in docs/testing.md.
 */
export const PROPERTY_TIMEOUT_MS = 30 * 60_000
