/**
 * Rule 9's in-memory index (src/core/seen-index.ts): `npm run bench:seen-index [-- --windows
 * 100000,10000]`. For each window, one tenant's index over a full ring of UUID eventIds: the heap
 * it keeps once its ring records are gone (eventId strings and map entries), and the time to
 * rebuild it from the ring records (what a process pays at a tenant's first event, and after an
 * abort or a rebalance). Results: printed, and written to bench/results/seen-index-<ISO>.json.
 */
import { randomUUID } from 'node:crypto'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { RING_CHUNK } from '../../src/core/keys.js'
import { TenantSeenIndex } from '../../src/core/seen-index.js'
import type { SeenRingRecord } from '../../src/core/state-records.js'
import { benchArgs, integer, string } from '../lib/args.js'
import { machine, writeResults } from '../lib/results.js'

const args = benchArgs('bench:seen-index', {
  windows: string('idempotence windows to measure, comma-separated', '100000,10000'),
  rounds: integer('rebuilds timed per window (the median is kept)', { default: 5, min: 1 }),
})

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/** A full ring of `window` slots, as the state codec would hand it out (fresh strings). */
function ringRecords(window: number): SeenRingRecord[] {
  const records: SeenRingRecord[] = []
  for (let base = 0; base < window; base += RING_CHUNK) {
    const eventIds: string[] = []
    const contents: number[] = []
    for (let i = 0; i < RING_CHUNK && base + i < window; i++) {
      eventIds.push(JSON.parse(JSON.stringify(randomUUID())) as string)
      contents.push(i)
    }
    records.push({ type: 'seen-ring', eventIds, contents })
  }
  return records
}

function heapAfterGc(): number {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

/** The heap one tenant's index keeps: measured in its own call, so nothing else stays live. */
function heapOfIndex(window: number): { entries: number; heapBytes: number } {
  const before = heapAfterGc()
  // the ring records go out of scope with the call: only what the index keeps stays
  const index = TenantSeenIndex.build(window, window, ringRecords(window))
  const heapBytes = heapAfterGc() - before
  return { entries: index.size, heapBytes }
}

/** Median ms to rebuild the index from decoded ring records. */
function rebuildMs(window: number): number {
  const records = ringRecords(window)
  const times: number[] = []
  for (let r = 0; r < args.rounds; r++) {
    const start = process.hrtime.bigint()
    TenantSeenIndex.build(window, window + r, records)
    times.push(Number(process.hrtime.bigint() - start) / 1e6)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)] ?? 0
}

const windows = args.windows.split(',').map(Number)
const heaps = windows.map((window) => heapOfIndex(window))
const results = windows.map((window, i) => {
  const { entries, heapBytes } = heaps[i] ?? { entries: 0, heapBytes: 0 }
  const result = {
    window,
    entries,
    heapMiB: Math.round((heapBytes / 2 ** 20) * 10) / 10,
    bytesPerEventId: Math.round(heapBytes / entries),
    ringRecords: Math.ceil(window / RING_CHUNK),
    rebuildMs: Math.round(rebuildMs(window) * 10) / 10,
  }
  console.log(JSON.stringify(result))
  return result
})
console.log(`written ${await writeResults('seen-index', { machine: machine(), results })}`)
