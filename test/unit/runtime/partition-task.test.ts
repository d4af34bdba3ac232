/**
 * The PartitionTask's exactly-once contract, over the embedded log (same ports as Kafka): a
 * transaction that fails to commit leaves nothing visible, the local store is never ahead of
 * the last commit, and a new task (with or without its local store) redoes the rest so that
 * every output appears once, as in a one-pass resolve.
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
import type { Logger } from '../../../src/ports/logger.js'
import { PrometheusMetrics, type TaskMetrics } from '../../../src/runtime/metrics.js'
import type { TransactionalSink } from '../../../src/runtime/ports.js'
import type { ProfileChangelogMode } from '../../../src/runtime/profile-changelog.js'
import { PartitionTask } from '../../../src/runtime/task.js'
import { RocksDbStore } from '../../../src/state/rocksdb-store.js'

let dir: string
let log: LocalLog
let config: IdentityConfig
const ports = () =>
  new EmbeddedProcessorLog({
    log,
    group: 'g',
    inputTopic: 'contact-events',
    stateTopic: 'state-changelog',
  })

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'unifier-task-'))
  log = await LocalLog.open(join(dir, 'log'))
  config = await loadIdentityConfig(DEFAULT_START.config)
  const lines = (await readFile(DEFAULT_START.input, 'utf8'))
    .split('\n')
    .filter((l) => l.trim() !== '')
  await log.commit(
    lines.map((l) => ({ topic: 'contact-events', partition: 0, key: null, value: Buffer.from(l) })),
  )
})

afterEach(async () => {
  await log.close()
  await rm(dir, { recursive: true, force: true })
})

/** A sink whose `failOn`-th commit throws, as a broker timeout inside a transaction would. */
function failingSink(sink: TransactionalSink, failOn: number): TransactionalSink {
  let commits = 0
  return {
    partitionsOf: (t) => sink.partitionsOf(t),
    close: () => sink.close(),
    async begin() {
      const txn = await sink.begin()
      return {
        send: (r) => txn.send(r),
        abort: () => txn.abort(),
        async commit(next) {
          if (++commits === failOn) throw new Error('request timed out')
          await txn.commit(next)
        },
      }
    },
  }
}

async function openTask(
  options: {
    failOn?: number
    storeDir?: string
    logger?: Logger
    metrics?: TaskMetrics
    maxTransactionEvents?: number
    profileChangelog?: ProfileChangelogMode
    /** One resolver across tasks, as a process keeps it (its rule-9 index with it). */
    resolver?: Resolver
  } = {},
): Promise<PartitionTask> {
  const p = ports()
  const sink = await p.openSink(0)
  return PartitionTask.open({
    partition: 0,
    resolver: options.resolver ?? createResolver(config),
    codec: embeddedCodec,
    store: await RocksDbStore.open(options.storeDir ?? join(dir, 'store')),
    sink: options.failOn === undefined ? sink : failingSink(sink, options.failOn),
    changelog: p.changelog(0),
    position: p.position(0),
    logger: options.logger ?? pino({ level: 'silent' }),
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    commitIntervalMs: 1_000_000,
    maxTransactionEvents: options.maxTransactionEvents ?? 4,
    ...(options.profileChangelog === undefined
      ? {}
      : { profileChangelog: options.profileChangelog }),
  })
}

/** Feeds the task the log from its position in batches of 2, committing when due, to the end. */
async function drive(task: PartitionTask, batch = 2): Promise<void> {
  const end = await log.endOffset('contact-events', 0)
  while (BigInt(task.nextOffset) < end) {
    const records = await log.read('contact-events', 0, BigInt(task.nextOffset), batch)
    await task.process(records.map((r) => ({ ...r, topic: 'contact-events', partition: 0 })))
    if (task.commitDue) await task.commit()
  }
  await task.commit()
}

async function outputs(topic: string): Promise<string[]> {
  const records = await log.read(topic, 0, 0n, 1_000_000)
  return records.map((r) => `${r.key?.toString() ?? ''} ${r.value?.toString() ?? 'null'}`)
}

async function reference(): Promise<{
  changelog: string[]
  merged: string[]
  reassigned: string[]
}> {
  const other = await mkdtemp(join(tmpdir(), 'unifier-task-ref-'))
  const saved = log
  log = await LocalLog.open(join(other, 'log'))
  const input = await saved.read('contact-events', 0, 0n, 1_000_000)
  await log.commit(
    input.map((r) => ({ topic: 'contact-events', partition: 0, key: r.key, value: r.value })),
  )
  const task = await openTask({ storeDir: join(other, 'store') })
  await drive(task)
  await task.close({ commit: true })
  const result = {
    changelog: await outputs('profile-changelog'),
    merged: await outputs('profile-merged'),
    reassigned: await outputs('link-reassigned'),
  }
  await log.close()
  log = saved
  await rm(other, { recursive: true, force: true })
  return result
}

describe('PartitionTask', () => {
  it('a failed commit makes nothing visible; a new task redoes it and every output appears once', async () => {
    const expected = await reference()
    const first = await openTask({ failOn: 2 })
    await expect(drive(first)).rejects.toThrow('request timed out')
    expect(first.isFailed).toBe(true)
    await first.close({ commit: false })
    // Only the first transaction (4 events) is visible; the failed one left no trace.
    expect(await log.committed('g', 'contact-events', 0)).toBe('4')
    const partial = await outputs('profile-changelog')
    expect(partial.length).toBeLessThan(expected.changelog.length)

    const second = await openTask()
    expect(second.nextOffset).toBe('4')
    await drive(second)
    await second.close({ commit: true })
    expect(await outputs('profile-changelog')).toEqual(expected.changelog)
    expect(await outputs('profile-merged')).toEqual(expected.merged)
    expect(await outputs('link-reassigned')).toEqual(expected.reassigned)
  })

  it('restores a lost local store from the state changelog and continues exactly once', async () => {
    const expected = await reference()
    const first = await openTask({ failOn: 3 })
    await expect(drive(first)).rejects.toThrow()
    await first.close({ commit: false })
    await rm(join(dir, 'store'), { recursive: true, force: true })

    const second = await openTask()
    await drive(second)
    await second.close({ commit: true })
    expect(await outputs('profile-changelog')).toEqual(expected.changelog)
    expect(await outputs('profile-merged')).toEqual(expected.merged)
  })
})

// Rule 9's eventId index lives in the resolver, which a process keeps across the tasks it
// reopens: an aborted transaction advanced it, the state it checks against did not.
describe('PartitionTask: rule 9 across an abort, with the resolver kept', () => {
  /** Redeliveries of the sample's first `n` events, after the sample. */
  async function redeliverFirst(n: number): Promise<void> {
    const input = await log.read('contact-events', 0, 0n, n)
    await log.commit(
      input.map((r) => ({ topic: 'contact-events', partition: 0, key: r.key, value: r.value })),
    )
  }

  /** The config with every tenant's idempotenceWindow set (3: the ring wraps in a transaction). */
  function withWindow(idempotenceWindow: number): IdentityConfig {
    return {
      ...config,
      defaults: config.defaults === null ? null : { ...config.defaults, idempotenceWindow },
      tenants: Object.fromEntries(
        Object.entries(config.tenants).map(([name, t]) => [name, { ...t, idempotenceWindow }]),
      ),
    }
  }

  it.each([
    ['the local store kept', false, 100_000],
    ['the local store lost (restored from the changelog)', true, 100_000],
    ['the local store kept, a window of 3', false, 3],
    ['the local store lost, a window of 3', true, 3],
  ])(
    'events of the aborted transaction are redone, redeliveries dropped: %s',
    async (_, loseStore, window) => {
      config = withWindow(window)
      await redeliverFirst(10)
      const expected = await reference()
      const resolver = createResolver(config)
      const first = await openTask({ failOn: 2, resolver })
      await expect(drive(first)).rejects.toThrow('request timed out')
      await first.close({ commit: false })
      if (loseStore) await rm(join(dir, 'store'), { recursive: true, force: true })
      const second = await openTask({ resolver })
      await drive(second)
      await second.close({ commit: true })
      expect(await outputs('profile-changelog')).toEqual(expected.changelog)
      expect(await outputs('profile-merged')).toEqual(expected.merged)
      expect(await outputs('link-reassigned')).toEqual(expected.reassigned)
    },
  )
})

/** The sample through a fresh log and store, in transactions of `maxTransactionEvents`. */
async function runSample(
  maxTransactionEvents: number,
  profileChangelog: ProfileChangelogMode,
): Promise<{ changelog: string[]; merged: string[]; reassigned: string[] }> {
  const other = await mkdtemp(join(tmpdir(), 'unifier-task-mode-'))
  const saved = log
  log = await LocalLog.open(join(other, 'log'))
  try {
    const input = await saved.read('contact-events', 0, 0n, 1_000_000)
    await log.commit(
      input.map((r) => ({ topic: 'contact-events', partition: 0, key: r.key, value: r.value })),
    )
    const task = await openTask({
      storeDir: join(other, 'store'),
      maxTransactionEvents,
      profileChangelog,
    })
    await drive(task, Math.min(2, maxTransactionEvents))
    await task.close({ commit: true })
    return {
      changelog: await outputs('profile-changelog'),
      merged: await outputs('profile-merged'),
      reassigned: await outputs('link-reassigned'),
    }
  } finally {
    await log.close()
    log = saved
    await rm(other, { recursive: true, force: true })
  }
}

/** The last record of each key, in the order of those last records. */
function lastPerKey(records: readonly string[]): string[] {
  const last = new Map<string, string>()
  for (const r of records) {
    const key = r.slice(0, r.indexOf(' '))
    last.delete(key)
    last.set(key, r)
  }
  return [...last.values()]
}

// Spec, "Outputs": within one commit the profile changelog may carry only each profile's last
// state; a setting keeps one record per change.
describe('PartitionTask: the profile changelog per commit', () => {
  it('coalesced (the default): one record per profile per transaction, its last state, in the order of the last changes', async () => {
    const everyChange = await runSample(1_000, 'every-change')
    const coalesced = await runSample(1_000, 'coalesced')
    // one transaction: the sample's every-change changelog, cut to the last record per key
    expect(coalesced.changelog).toEqual(lastPerKey(everyChange.changelog))
    expect(coalesced.changelog.length).toBeLessThan(everyChange.changelog.length)
    // the worked example's merged-away profiles end as tombstones, whatever came before them
    const tombstones = coalesced.changelog.filter((r) => r.endsWith(' null'))
    expect(tombstones.length).toBe(everyChange.merged.length)
    // identity events are never coalesced
    expect(coalesced.merged).toEqual(everyChange.merged)
    expect(coalesced.reassigned).toEqual(everyChange.reassigned)
  })

  it('every-change keeps one record per change in decision order, whatever the transactions', async () => {
    const perEvent = await runSample(1, 'coalesced')
    const everyChange = await runSample(4, 'every-change')
    // one event per transaction leaves nothing to coalesce: the per-change sequence
    expect(everyChange.changelog).toEqual(perEvent.changelog)
    expect(new Set(everyChange.changelog.map((r) => r.slice(0, r.indexOf(' ')))).size).toBeLessThan(
      everyChange.changelog.length,
    )
  })
})

/** A Logger that keeps what it was given at warn level. */
function recordingLogger(): Logger & { warnings: Array<{ obj: object; msg?: string }> } {
  const warnings: Array<{ obj: object; msg?: string }> = []
  const logger = {
    warnings,
    debug: () => undefined,
    info: () => undefined,
    error: () => undefined,
    warn: (obj: object, msg?: string) => void warnings.push({ obj, ...(msg ? { msg } : {}) }),
    child: () => logger,
  }
  return logger
}

describe('PartitionTask: conflicting duplicates', () => {
  it('an eventId repeated with other content is counted and logged with tenant and eventId only', async () => {
    const [firstLine] = (await readFile(DEFAULT_START.input, 'utf8')).split('\n')
    const first = JSON.parse(firstLine!) as { eventId: string; identifiers: object }
    const reused = { ...first, identifiers: { email: 'someone.else@x.com' } }
    await log.commit([
      { topic: 'contact-events', partition: 0, key: null, value: Buffer.from(firstLine!) },
      {
        topic: 'contact-events',
        partition: 0,
        key: null,
        value: Buffer.from(JSON.stringify(reused)),
      },
    ])
    const logger = recordingLogger()
    const metrics = new PrometheusMetrics()
    const task = await openTask({ logger, metrics })
    await drive(task)
    await task.close({ commit: true })

    // the plain redelivery is silent; the one with other content is reported once
    const reports = logger.warnings.filter((w) => JSON.stringify(w.obj).includes(first.eventId))
    expect(reports).toEqual([
      { obj: { tenant: 'acme', eventId: first.eventId }, msg: expect.any(String) },
    ])
    expect(JSON.stringify(reports)).not.toContain('someone.else')
    const text = await metrics.registry.metrics()
    expect(text).toMatch(/^unifier_conflicting_duplicates_total 1$/m)
  })
})
