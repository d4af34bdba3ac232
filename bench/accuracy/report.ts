import type { PartitionScore } from './pairwise.js'

interface Timed {
  readonly elapsedMs: number
  readonly eventsPerSecond: number
}

const ratio = (x: number) => x.toFixed(4)

/** One line per scored run, for the terminal. */
export function formatScore(
  name: string,
  score: PartitionScore,
  full?: Timed,
  increment?: Timed,
): string {
  const timing =
    full === undefined
      ? ''
      : `; full ${(full.elapsedMs / 1000).toFixed(1)} s (${full.eventsPerSecond}/s)` +
        (increment === undefined ? '' : `, increment ${(increment.elapsedMs / 1000).toFixed(2)} s`)
  return (
    `${name}: precision ${ratio(score.precision)} recall ${ratio(score.recall)} F1 ${ratio(score.f1)}, ` +
    `${score.profiles} profiles, ${score.overMerged} over-merged ` +
    `(${Object.entries(score.overMergedBy)
      .map(([cause, n]) => `${cause} ${n}`)
      .join(', ')}), ${score.splitPersons} split persons, ` +
    `largest ${score.largestProfile.persons} persons / ${score.largestProfile.identifiers} ids${timing}`
  )
}
