import type { EventOutcome } from '../core/types.js'
import type { Logger } from '../ports/logger.js'
import type { TaskMetrics } from './metrics.js'

/**
 * A conflicting duplicate (an eventId applied before with other content) changes nothing
 * (rule 9), so without this nobody would see a producer that reuses ids: one counter and one
 * warn line each. The line names the tenant and eventId only, never identifier values.
 */
export function reportConflictingDuplicate(
  outcome: EventOutcome,
  logger: Logger,
  metrics: TaskMetrics,
): void {
  if (!outcome.conflictingDuplicate) return
  metrics.conflictingDuplicates(1)
  logger.warn(
    { tenant: outcome.tenant, eventId: outcome.eventId },
    'eventId already applied with other content: dropped as a duplicate (does the producer reuse ids?)',
  )
}
