/**
 * At-least-once recovery of the batch runtime: a process that dies between flushes loses the
 * writes of the events since the last flush; reopening the store tells where the input must
 * resume (the last flushed sequence). Re-deciding from there must give the same outputs for
 * the replayed events and leave the store byte-identical to a run that never crashed.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { IdentityConfig } from '../../src/core/config.js'
import { createResolver } from '../../src/core/resolver.js'
import type { ContactEvent, OutputRecord } from '../../src/core/types.js'
import type { KeyValueStore } from '../../src/ports/key-value-store.js'
import { BatchResolver } from '../../src/runtime/batch-resolver.js'
import { MemoryStore } from '../../src/state/memory-store.js'
import { fcParams, PROPERTY_TIMEOUT_MS } from './fc-params.js'
import { scenarioArb } from './generators.js'

/** Sequences start at 1: the runtime reads a stored 0 as "nothing flushed yet". */
const sequenceOf = (index: number) => index + 1

async function contents(store: KeyValueStore): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = []
  for await (const [key, value] of store.scan(''))
    out.push([key, Buffer.from(value).toString('hex')])
  return out
}

async function runFrom(
  config: IdentityConfig,
  events: readonly ContactEvent[],
  store: KeyValueStore,
  flushEvery: number,
  stopAfter: number | null,
): Promise<Map<number, OutputRecord[]>> {
  const batch = await BatchResolver.open({
    resolver: createResolver(config),
    store,
    flushEvery,
    cacheEntries: 4,
    sequenceKey: '\u0000sequence',
  })
  const outputs = new Map<number, OutputRecord[]>()
  for (const [i, event] of events.entries()) {
    if (sequenceOf(i) <= batch.storedSequence) continue
    if (stopAfter !== null && i >= stopAfter) return outputs // crash: no final flush
    const decision = await batch.process(event, { sequence: sequenceOf(i) })
    outputs.set(i, [...decision.outputs])
  }
  await batch.flush()
  return outputs
}

describe('crash between flushes', () => {
  it(
    'resumes from the last flushed sequence and ends byte-identical to an uninterrupted run',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          scenarioArb({ maxEvents: 25 }),
          fc.integer({ min: 1, max: 5 }),
          fc.nat(),
          async ({ config, events }, flushEvery, crashSeed) => {
            const crashAt = crashSeed % (events.length + 1)
            const clean = new MemoryStore()
            const expected = await runFrom(config, events, clean, flushEvery, null)

            const crashed = new MemoryStore()
            await runFrom(config, events, crashed, flushEvery, crashAt)
            const resumed = await runFrom(config, events, crashed, flushEvery, null)

            expect(await contents(crashed)).toEqual(await contents(clean))
            // Every event the crash lost is decided again, exactly as the first time.
            for (const [i, outputs] of resumed) expect(outputs).toEqual(expected.get(i))
            const firstReplayed = Math.min(...resumed.keys(), events.length)
            expect(firstReplayed).toBeLessThanOrEqual(crashAt)
          },
        ),
        fcParams(300),
      )
    },
    PROPERTY_TIMEOUT_MS,
  )
})
