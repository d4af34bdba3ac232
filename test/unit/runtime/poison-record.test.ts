/**
 * The failure policy's poison-record rule, over the embedded log (the same Processor and ports
 * as on Kafka; test/integration/processor-poison.int.test.ts runs it on a real broker): a record
 * the resolver throws on is retried from the last commit, dead-lettered `processing-failed`
 * after the third attempt, and the partition goes on: every other output appears exactly once.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_START } from '../../../src/cli/sample-defaults.js'
import { loadIdentityConfig } from '../../../src/config/identity-config.js'
import type { IdentityConfig } from '../../../src/core/config.js'
import { createResolver, type Resolver } from '../../../src/core/resolver.js'
import { EmbeddedProcessorLog } from '../../../src/embedded/embedded-log.js'
import { embeddedCodec } from '../../../src/embedded/json-codec.js'
import { LocalLog } from '../../../src/embedded/local-log.js'
import type { ProcessorLog } from '../../../src/runtime/ports.js'
import { TaskFailure } from '../../../src/runtime/failure-policy.js'
import { Processor } from '../../../src/runtime/processor.js'
import { PartitionTask } from '../../../src/runtime/task.js'
import { MemoryStore } from '../../../src/state/memory-store.js'
import { RocksDbStore } from '../../../src/state/rocksdb-store.js'

const POISON = 'poison-0001'

let dir: string
let config: IdentityConfig
let lines: string[]

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'unifier-poison-'))
  config = await loadIdentityConfig(DEFAULT_START.config)
  const sample = (await readFile(DEFAULT_START.input, 'utf8')).split('\n').filter((l) => l !== '')
  const poison = JSON.stringify({
    eventId: POISON,
    tenant: 'acme',
    source: 'web',
    timestamp: '2024-05-02T12:00:00Z',
    identifiers: { email: 'poison@x.com' },
  })
  // in the middle, so events before it share its transaction and events after it follow
  lines = [...sample.slice(0, 3), poison, ...sample.slice(3)]
})

afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** The sample's resolver, except on the poison event: `onPoison` says what it does there. */
function resolverWith(onPoison: () => ReturnType<Resolver['decide']>): Pick<Resolver, 'decide'> {
  const real = createResolver(config)
  return {
    decide: (event, position, state) =>
      event.eventId === POISON ? onPoison() : real.decide(event, position, state),
  }
}

/** Runs a processor over `lines` until everything is committed; returns every output topic. */
async function run(
  name: string,
  resolver: Pick<Resolver, 'decide'>,
  input = lines,
  maxRecordBytes?: number,
  wrap: (log: ProcessorLog) => ProcessorLog = (log) => log,
) {
  const log = await LocalLog.open(join(dir, name, 'log'))
  await log.commit(
    input.map((l) => ({ topic: 'contact-events', partition: 0, key: null, value: Buffer.from(l) })),
  )
  const processor = new Processor({
    log: wrap(
      new EmbeddedProcessorLog({
        log,
        group: 'g',
        inputTopic: 'contact-events',
        stateTopic: 'state-changelog',
        batchSize: 2,
      }),
    ),
    resolver,
    codec: embeddedCodec,
    openStore: () => RocksDbStore.open(join(dir, name, 'store')),
    logger: pino({ level: process.env.TEST_LOG ?? 'silent' }),
    commitIntervalMs: 50,
    maxTransactionEvents: 4,
    // one changelog record per change: the runs compared cut their transactions differently
    // (retries, the 50 ms timer on a busy machine), which a coalesced changelog would show
    profileChangelog: 'every-change',
    sleep: async () => undefined,
    ...(maxRecordBytes === undefined ? {} : { maxRecordBytes: () => maxRecordBytes }),
  })
  await processor.start()
  const deadline = Date.now() + 20_000
  while (BigInt((await log.committed('g', 'contact-events', 0)) ?? '0') < input.length) {
    if (Date.now() > deadline) throw new Error('the partition did not get past the poison record')
    await new Promise((r) => setTimeout(r, 10))
  }
  await processor.stop()
  const topic = async (t: string) =>
    (await log.read(t, 0, 0n, 1_000_000)).map((r) => ({
      key: r.key?.toString() ?? null,
      value: r.value === null ? null : (JSON.parse(r.value.toString()) as Record<string, unknown>),
    }))
  const outputs = {
    changelog: await topic('profile-changelog'),
    merged: await topic('profile-merged'),
    reassigned: await topic('link-reassigned'),
    deadLetters: await topic('dead-letter'),
  }
  await log.close()
  return outputs
}

describe('a record the resolver throws on', () => {
  it('is dead-lettered processing-failed after 3 attempts; the events after it are resolved, every output once', async () => {
    let attempts = 0
    const poisoned = await run(
      'poisoned',
      resolverWith(() => {
        attempts++
        throw new TypeError('cannot read properties of undefined')
      }),
    )
    // a one-pass run where the poison event's line is one the codec dead-letters (same offsets)
    const expected = await run(
      'expected',
      createResolver(config),
      lines.map((l) => (l.includes(POISON) ? '{"not":"an event"}' : l)),
    )

    expect(attempts).toBe(3)
    const failed = poisoned.deadLetters.filter((d) => d.value?.reason === 'processing-failed')
    expect(failed).toHaveLength(1)
    const dead = failed[0]?.value as Record<string, unknown>
    expect(dead.reason).toBe('processing-failed')
    expect(dead.eventId).toBe(POISON)
    expect(dead.tenant).toBe('acme')
    expect(String(dead.detail)).toContain('cannot read properties of undefined')
    expect(dead.sourceOffset).toBe(3)
    expect(poisoned.changelog).toEqual(expected.changelog)
    expect(poisoned.merged).toEqual(expected.merged)
    expect(poisoned.reassigned).toEqual(expected.reassigned)
    expect(poisoned.deadLetters.length).toBe(expected.deadLetters.length)
    expect(poisoned.merged.length).toBeGreaterThan(0)
  })
})

describe('a record whose output is larger than its topic accepts', () => {
  it('is dead-lettered output-too-large at once, its state discarded, and the partition goes on', async () => {
    const expected = await run(
      'expected',
      createResolver(config),
      lines.map((l) => (l.includes(POISON) ? '{"not":"an event"}' : l)),
    )
    const largest = Math.max(
      ...expected.changelog.map((r) => JSON.stringify(r.value).length + (r.key?.length ?? 0)),
    )
    const huge = JSON.stringify({
      eventId: POISON,
      tenant: 'acme',
      source: 'web',
      timestamp: '2024-05-02T12:00:00Z',
      identifiers: { email: 'huge@x.com' },
      attributes: { first_name: 'A'.repeat(3_000) },
    })
    const real = createResolver(config)
    let decided = 0
    const counting: Pick<Resolver, 'decide'> = {
      decide: (event, position, state) => {
        if (event.eventId === POISON) decided++
        return real.decide(event, position, state)
      },
    }
    const got = await run(
      'huge',
      counting,
      lines.map((l) => (l.includes(POISON) ? huge : l)),
      largest + 200,
    )
    const tooLarge = got.deadLetters.filter((d) => d.value?.reason === 'output-too-large')
    expect(tooLarge).toHaveLength(1)
    expect(decided).toBe(1)
    expect(tooLarge[0]?.value?.eventId).toBe(POISON)
    expect(String(tooLarge[0]?.value?.detail)).toMatch(/profile output is \d+ bytes/)
    // nothing of the huge event reached a profile; everything else is as in one pass
    expect(JSON.stringify(got.changelog)).not.toContain('huge@x.com')
    expect(got.changelog).toEqual(expected.changelog)
    expect(got.merged).toEqual(expected.merged)
  })
})

class RecordTooLarge extends Error {}

/** A log that refuses any record over `max` bytes, as a broker answers MESSAGE_TOO_LARGE. */
function refusingOver(max: number) {
  return (inner: ProcessorLog): ProcessorLog => ({
    start: (h) => inner.start(h),
    seek: (p, o) => inner.seek(p, o),
    pause: () => inner.pause(),
    stop: () => inner.stop(),
    get isRunning() {
      return inner.isRunning
    },
    changelog: (p) => inner.changelog(p),
    position: (p) => inner.position(p),
    close: () => inner.close(),
    isFenced: (err) => inner.isFenced(err),
    isRecordRejected: (err) => err instanceof RecordTooLarge,
    ownerOf: (key) => inner.ownerOf(key),
    async openSink(partition) {
      const sink = await inner.openSink(partition)
      return {
        partitionsOf: (t) => sink.partitionsOf(t),
        close: () => sink.close(),
        async begin() {
          const txn = await sink.begin()
          return {
            commit: (next) => txn.commit(next),
            abort: () => txn.abort(),
            send: async (records) => {
              const big = records.find((r) => (r.value?.length ?? 0) > max)
              if (big !== undefined) throw new RecordTooLarge(`${big.value?.length} bytes`)
              return txn.send(records)
            },
          }
        },
      }
    },
  })
}

describe('a transaction the log keeps refusing', () => {
  it('is redone one record per transaction until the refused record is found and dead-lettered', async () => {
    const reference = lines.map((l) => (l.includes(POISON) ? '{"not":"an event"}' : l))
    const expected = await run('expected', createResolver(config), reference)
    const largest = Math.max(...expected.changelog.map((r) => JSON.stringify(r.value).length))
    const huge = JSON.stringify({
      eventId: POISON,
      tenant: 'acme',
      source: 'web',
      timestamp: '2024-05-02T12:00:00Z',
      identifiers: { email: 'huge@x.com' },
      attributes: { first_name: 'A'.repeat(3_000) },
    })
    // no limit known to the processor: only the log's refusal tells
    const got = await run(
      'refused',
      createResolver(config),
      lines.map((l) => (l.includes(POISON) ? huge : l)),
      undefined,
      refusingOver(largest + 1_500),
    )
    const refused = got.deadLetters.filter((d) => d.value?.reason === 'output-too-large')
    expect(refused.map((d) => d.value?.eventId)).toEqual([POISON])
    expect(got.changelog).toEqual(expected.changelog)
    expect(got.merged).toEqual(expected.merged)
    expect(got.reassigned).toEqual(expected.reassigned)
  })
})

describe('a refused commit after the position moved past transaction markers', () => {
  it('names the record of the transaction, not the marker offset after it', async () => {
    class TooLarge extends Error {}
    const memory = new MemoryStore()
    const task = await PartitionTask.open({
      partition: 0,
      resolver: createResolver(config),
      codec: embeddedCodec,
      store: memory,
      sink: {
        partitionsOf: () => 1,
        close: async () => undefined,
        begin: async () => ({
          send: async (records) => {
            if (records.some((r) => r.topic === 'state-changelog')) throw new TooLarge('too large')
            return []
          },
          commit: async () => undefined,
          abort: async () => undefined,
        }),
      },
      changelog: { replay: async () => undefined },
      position: { committedOffset: async () => '10' },
      logger: pino({ level: 'silent' }),
      commitIntervalMs: 1_000_000,
      maxTransactionEvents: 1_000_000,
      isRecordRejected: (err) => err instanceof TooLarge,
    })
    await task.process([
      {
        topic: 'contact-events',
        partition: 0,
        offset: '10',
        timestamp: 0,
        key: null,
        value: Buffer.from(lines[0] as string),
      },
    ])
    task.skipTo(13n) // offsets 11 and 12 are transaction markers
    const failure = await task.commit().catch((err: unknown) => err)
    expect(failure).toBeInstanceOf(TaskFailure)
    expect(failure).toMatchObject({ code: 'output-too-large', offset: '10', through: '10' })
  })
})
