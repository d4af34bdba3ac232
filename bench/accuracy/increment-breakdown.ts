/**
 * Where an increment's wall time goes (docs/accuracy.md): reading and parsing the lines,
 * store reads the resolver waits for, store writes, deciding (the rest), and what opening and
 * closing the RocksDB state would add for a process that is not already running.
 */
import { parseEventLine } from '../../src/cli/event-line.js'
import { openLines } from '../../src/cli/ndjson.js'
import { RocksDbStore } from '../../src/state/rocksdb-store.js'
import type { FileRun } from './run-resolver.js'
import type { StoreTimings } from './timed-store.js'

export interface IncrementBreakdown {
  readonly lines: number
  readonly wallMs: number
  readonly cpuMs: number
  /** Reading the file and parsing/validating every line, timed on its own afterwards. */
  readonly parseMs: number
  readonly store: StoreTimings
  /** Wall time not spent parsing or waiting for a read: deciding, encoding, callbacks, GC. */
  readonly decideAndRestMs: number
  /** Closing the state after the run (RocksDB flushes its memtable). */
  readonly closeMs: number
  /** Opening the same state again, as a process started for the increment would. */
  readonly reopenMs: number
}

/** Times the read and parse of a file's lines alone: the resolver does the same work. */
export async function timeParse(path: string): Promise<number> {
  const started = performance.now()
  const source = await openLines(path)
  for await (const line of source.lines)
    if (line.kind === 'line' && line.text.trim() !== '') parseEventLine(line.text)
  return performance.now() - started
}

export async function timeReopen(path: string): Promise<{ reopenMs: number }> {
  const started = performance.now()
  const store = await RocksDbStore.open(path)
  const reopenMs = performance.now() - started
  await store.close()
  return { reopenMs }
}

export function breakdown(
  run: FileRun,
  store: StoreTimings,
  parseMs: number,
  closeMs: number,
  reopenMs: number,
): IncrementBreakdown {
  // Reads are awaited by the resolver; writes are flushed while it decides the next events,
  // so only reads (and parsing) come off the wall time to leave the deciding.
  return {
    lines: run.events + run.badLines,
    wallMs: run.elapsedMs,
    cpuMs: run.cpuMs,
    parseMs,
    store,
    decideAndRestMs: Math.max(0, run.elapsedMs - store.readMs - parseMs),
    closeMs,
    reopenMs,
  }
}

export function formatBreakdown(b: IncrementBreakdown): string {
  const ms = (x: number) => `${Math.round(x)} ms`
  return (
    `  increment breakdown: ${b.lines} lines, wall ${ms(b.wallMs)}, CPU ${ms(b.cpuMs)}; ` +
    `read+parse lines ${ms(b.parseMs)}; store reads ${ms(b.store.readMs)} ` +
    `(${b.store.reads} round trips, ${b.store.readKeys} keys); store writes ${ms(b.store.writeMs)} ` +
    `(${b.store.writes} batches, ${b.store.writeKeys} keys, overlapping deciding); ` +
    `deciding and the rest ${ms(b.decideAndRestMs)}; close ${ms(b.closeMs)}, reopen ${ms(b.reopenMs)}; ` +
    `keys read outside the prefetch: ${JSON.stringify(b.store.unprefetchedByRecord)}`
  )
}
