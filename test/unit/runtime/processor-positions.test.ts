/**
 * The processor's bookkeeping of consumer positions, which kafkajs leaves to us: after opening
 * a task it seeks to the committed offset and ignores batches from any other fetch; a batch
 * fetched past the task's next offset makes it seek back rather than skip records; batches of
 * only transaction markers move the position. Driven by hand over the embedded log's ports.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_START } from '../../../src/cli/sample-defaults.js'
import { loadIdentityConfig } from '../../../src/config/identity-config.js'
import { createResolver } from '../../../src/core/resolver.js'
import { EmbeddedProcessorLog } from '../../../src/embedded/embedded-log.js'
import { embeddedCodec } from '../../../src/embedded/json-codec.js'
import { LocalLog } from '../../../src/embedded/local-log.js'
import type { FetchedBatch, InputHandlers, ProcessorLog } from '../../../src/runtime/ports.js'
import { Processor } from '../../../src/runtime/processor.js'
import { RocksDbStore } from '../../../src/state/rocksdb-store.js'

let dir: string
let log: LocalLog

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'unifier-positions-'))
  log = await LocalLog.open(join(dir, 'log'))
  const lines = (await readFile(DEFAULT_START.input, 'utf8')).split('\n').filter((l) => l.trim())
  await log.commit(
    lines.map((l) => ({ topic: 'contact-events', partition: 0, key: null, value: Buffer.from(l) })),
  )
})

afterEach(async () => {
  await log.close()
  await rm(dir, { recursive: true, force: true })
})

/** The embedded ports, but batches and seeks go through the test. */
function manualLog(): { log: ProcessorLog; handlers: () => InputHandlers; seeks: string[] } {
  const inner = new EmbeddedProcessorLog({
    log,
    group: 'g',
    inputTopic: 'contact-events',
    stateTopic: 'state-changelog',
  })
  let handlers: InputHandlers | null = null
  const seeks: string[] = []
  const manual: ProcessorLog = {
    start: async (h) => {
      handlers = h
      h.onAssignment([0], 1)
    },
    seek: (_p, offset) => void seeks.push(offset),
    pause: () => undefined,
    stop: async () => undefined,
    isRunning: true,
    openSink: (p) => inner.openSink(p),
    changelog: (p) => inner.changelog(p),
    position: (p) => inner.position(p),
    close: async () => undefined,
    isFenced: () => false,
    isRecordRejected: () => false,
    ownerOf: () => 0,
  }
  return { log: manual, handlers: () => handlers as InputHandlers, seeks }
}

async function fetched(from: number, count: number): Promise<FetchedBatch> {
  const records = await log.read('contact-events', 0, BigInt(from), count)
  return {
    partition: 0,
    fetchedOffset: String(from),
    highWatermark: '14',
    lastOffset: records.at(-1)?.offset ?? String(from - 1),
    records: records.map((r) => ({ ...r, topic: 'contact-events', partition: 0 })),
  }
}

async function processor(ports: ProcessorLog): Promise<Processor> {
  const config = await loadIdentityConfig(DEFAULT_START.config)
  const p = new Processor({
    log: ports,
    resolver: createResolver(config),
    codec: embeddedCodec,
    openStore: () => RocksDbStore.open(join(dir, 'store')),
    logger: pino({ level: 'silent' }),
    commitIntervalMs: 1,
    maxTransactionEvents: 1_000,
  })
  await p.start()
  return p
}

const committed = () => log.committed('g', 'contact-events', 0)
const changelogSize = async () => (await log.read('profile-changelog', 0, 0n, 10_000)).length

describe('processor positions', () => {
  it('seeks to the committed offset on open and processes only the batch fetched from there', async () => {
    const { log: ports, handlers, seeks } = manualLog()
    const p = await processor(ports)
    const noHeartbeat = async () => undefined
    // A batch the consumer fetched before the task existed, from elsewhere: ignored.
    await handlers().onBatch(await fetched(5, 3), noHeartbeat)
    expect(seeks).toEqual(['0'])
    expect(await committed()).toBeNull()
    // The refetch from the committed offset is processed and committed.
    await handlers().onBatch(await fetched(0, 6), noHeartbeat)
    expect(await committed()).toBe('6')
    const afterFirst = await changelogSize()
    expect(afterFirst).toBeGreaterThan(0)

    // Fetched past the next offset (records 6-7 never handed over): seek back, skip nothing.
    await handlers().onBatch(await fetched(8, 6), noHeartbeat)
    expect(seeks).toEqual(['0', '6'])
    expect(await committed()).toBe('6')
    await handlers().onBatch(await fetched(6, 8), noHeartbeat)
    expect(await committed()).toBe('14')

    // A refetch of records already done changes nothing.
    const before = await changelogSize()
    await handlers().onBatch(await fetched(10, 4), noHeartbeat)
    expect(await changelogSize()).toBe(before)

    // Offsets holding only transaction markers move the position past them: a fetch that
    // starts after them is not a gap (pretend 14-15 are markers; 16-17 are events).
    const more = (await log.read('contact-events', 0, 0n, 2)).map((r) => ({
      topic: 'contact-events',
      partition: 0,
      key: null,
      value: r.value,
    }))
    await log.commit([...more, ...more])
    handlers().onSkipped(0, '14', '15')
    // markers further on than the next offset are a gap, not a skip: the position stays
    handlers().onSkipped(0, '30', '31')
    await handlers().onBatch(await fetched(16, 2), noHeartbeat)
    expect(seeks).toEqual(['0', '6'])
    await p.stop()
    expect(await committed()).toBe('18')
  })

  it('a task reopened at a transaction marker moves past it instead of waiting for records', async () => {
    const { log: ports, handlers, seeks } = manualLog()
    const p = await processor(ports)
    const noHeartbeat = async () => undefined
    while (seeks.length === 0) await new Promise((r) => setTimeout(r, 5))
    expect(seeks).toEqual(['0'])
    // the fetch from the seek holds only markers (pretend offsets 0-3 are): nothing to wait for
    handlers().onSkipped(0, '0', '3')
    await handlers().onBatch(await fetched(4, 4), noHeartbeat)
    expect(seeks).toEqual(['0'])
    await p.stop()
    expect(await committed()).toBe('8')
  })
})
