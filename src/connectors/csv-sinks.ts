import { join } from 'node:path'
import { LocalLog } from '../embedded/local-log.js'
import type { TopicRole } from '../topology/roles.js'
import type { CsvEvent } from './csv-events.js'
import type { CsvSink, RefusedEvent } from './csv-import.js'
import { ProducerError, type Producer } from './producer.js'

/** The embedded log's input topic (src/embedded/run-embedded.ts reads it, partition 0). */
const EMBEDDED_INPUT: TopicRole = 'contact-events'

/**
 * The embedded log under `stateDir` (what `unifier start --state DIR` reads): each event as an
 * NDJSON event line on the input topic, appended in level batches; a completed import leaves a
 * mark, so the same file again appends nothing. One batch is written while the next is read and
 * checked (at most one in flight, in order: offsets follow the file). LevelDB locks the
 * directory: import while `unifier start` is not running on it.
 */
export async function embeddedCsvSink(stateDir: string): Promise<CsvSink> {
  const log = await LocalLog.open(join(stateDir, 'log'))
  let inFlight: Promise<unknown> | null = null
  const settle = async () => {
    const pending = inFlight
    inFlight = null
    if (pending !== null) await pending
  }
  return {
    completed: (importId) => log.hasImport(importId),
    async write(events) {
      await settle()
      const records = events.map(({ event }) => ({
        topic: EMBEDDED_INPUT,
        partition: 0,
        key: null,
        value: Buffer.from(JSON.stringify(event), 'utf8'),
      }))
      const commit = log.commit(records)
      // a failure surfaces at the next write or at finish; never as an unhandled rejection
      commit.catch(() => undefined)
      inFlight = commit
      return []
    },
    async finish(importId) {
      await settle()
      if (importId !== null) await log.commit([], { importId })
      return []
    },
    async close() {
      // an import that failed midway: its last batch lands (or fails) before the log closes
      await settle().catch(() => undefined)
      await log.close()
    },
  }
}

/**
 * Kafka through the producer library (keyed by tenant, idempotent, acks all), with up to
 * `maxInFlight` events sent and not yet acknowledged, so reading the file overlaps sending it.
 * An event the topic cannot take is refused and reported; any other failure stops the import:
 * running it again is safe (the same ids).
 */
export function kafkaCsvSink(producer: Producer, maxInFlight = 20_000): CsvSink {
  const inFlight: { count: number; refused: Promise<RefusedEvent[]> }[] = []
  let count = 0
  const oldest = async (): Promise<RefusedEvent[]> => {
    const batch = inFlight.shift()
    if (batch === undefined) return []
    count -= batch.count
    return batch.refused
  }
  const sent = async (events: readonly CsvEvent[]): Promise<RefusedEvent[]> => {
    const outcomes = await Promise.allSettled(events.map(({ event }) => producer.send(event)))
    const refused: RefusedEvent[] = []
    outcomes.forEach((outcome, i) => {
      if (outcome.status === 'fulfilled') return
      const err = outcome.reason as unknown
      if (err instanceof ProducerError && err.code === 'event-too-large') {
        refused.push({ event: events[i] as CsvEvent, detail: err.message })
      } else {
        throw err
      }
    })
    return refused
  }
  return {
    completed: async () => false,
    async write(events) {
      const refused = sent(events)
      // a failure surfaces when its batch is awaited; never as an unhandled rejection before
      refused.catch(() => undefined)
      inFlight.push({ count: events.length, refused })
      count += events.length
      const found: RefusedEvent[] = []
      while (count > maxInFlight) found.push(...(await oldest()))
      return found
    },
    async finish() {
      await producer.flush()
      const found: RefusedEvent[] = []
      while (inFlight.length > 0) found.push(...(await oldest()))
      return found
    },
    close: () => producer.close(),
  }
}
