/**
 * bench:fencing — how long read_committed consumers of the processor's outputs wait after a
 * processor is killed (kill -9, its transaction left open) and restarted at once, for a few
 * session / transaction timeouts. The open transaction holds the partition's last stable
 * offset until it is fenced (the restarted member is assigned the partition and re-initialises
 * its transactional id) or the coordinator aborts it (transaction timeout). docs/processor.md,
 * "Fencing delay", has the figures and the defaults chosen from them.
 *
 *   npm run bench:fencing -- --runs 2 --configs 30000/60000,10000/60000,10000/10000
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { syntheticStream } from '../../test/support/synthetic-stream.js'
import { benchArgs, integer, string } from '../lib/args.js'
import { machine, writeResults } from '../lib/results.js'
import { spawnUnifierRun, type UnifierChild } from './processor.js'
import { benchKafka, dropBenchTopology, openBenchTopology, produceEvents } from './topology.js'

const values = benchArgs('bench:fencing', {
  runs: integer('kills per configuration', { default: 2, min: 1 }),
  configs: string(
    'session timeout / transaction timeout pairs (ms), comma-separated',
    '30000/60000,10000/60000,10000/10000',
  ),
  rate: integer('events/s produced throughout', { default: 200, min: 10 }),
})

interface Config {
  readonly sessionTimeoutMs: number
  readonly transactionTimeoutMs: number
}

const configs: Config[] = values.configs.split(',').map((pair) => {
  const [session, txn] = pair.split('/').map(Number)
  if (!Number.isInteger(session) || !Number.isInteger(txn)) {
    throw new Error(`--configs: "${pair}" is not session/transaction milliseconds`)
  }
  return { sessionTimeoutMs: session as number, transactionTimeoutMs: txn as number }
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const { brokers, registryUrl } = benchKafka()

/** One kill: the longest wait of a read_committed consumer for the next output (ms). */
async function oneKill(config: Config, run: number): Promise<{ stallMs: number; label: string }> {
  const parts = await openBenchTopology({ label: 'fencing', brokers, registryUrl })
  const { kafka, codec, topology } = parts
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  const stateDir = await mkdtemp(join(tmpdir(), 'unifier-fencing-'))
  const groupId = `${parts.prefix}processor`
  const env = {
    UNIFIER_SESSION_TIMEOUT_MS: String(config.sessionTimeoutMs),
    UNIFIER_TRANSACTION_TIMEOUT_MS: String(config.transactionTimeoutMs),
  }
  const start = () =>
    spawnUnifierRun({
      brokers,
      registryUrl,
      prefix: parts.prefix,
      groupId,
      stateDir,
      commitIntervalMs: 50,
      env,
    })
  const arrivals: number[] = []
  const consumer = kafka.consumer({
    groupId: `${parts.prefix}reader`,
    readUncommitted: false,
    maxWaitTimeInMs: 50,
  })
  await consumer.connect()
  await consumer.subscribe({
    topic: topology.byRole['profile-changelog'].name,
    fromBeginning: true,
  })
  await consumer.run({ eachMessage: async () => void arrivals.push(Date.now()) })

  let producing = true
  const events = syntheticStream({ tenant: `t${run}`, identifiers: 1_000_000, seed: run })
  const perTick = Math.max(1, Math.round(values.rate / 40))
  const load = (async () => {
    while (producing) {
      const batch = []
      for (let i = 0; i < perTick; i++) batch.push(events.next().value.event)
      await produceEvents(producer, codec, topology.byRole['contact-events'].name, batch)
      await sleep(25)
    }
  })()

  let child: UnifierChild = await start()
  let stallMs: number
  try {
    // steady flow first
    const deadline = Date.now() + 120_000
    while (arrivals.length < 50 && Date.now() < deadline) await sleep(100)
    await sleep(2_000)
    const killedAt = Date.now()
    process.kill(child.pid, 'SIGKILL')
    await child.exited
    child = await start()
    const seen = arrivals.length
    const resumeBy = Date.now() + 3 * Math.max(config.sessionTimeoutMs, 10_000) + 60_000
    // resumed: well past the kill, outputs flow again
    while (Date.now() < resumeBy) {
      const after = arrivals.filter((t) => t > killedAt + 500)
      if (arrivals.length > seen + 50 && after.length > 50) break
      await sleep(100)
    }
    let prev = killedAt
    stallMs = 0
    for (const t of arrivals) {
      if (t < killedAt) continue
      stallMs = Math.max(stallMs, t - prev)
      prev = t
    }
  } finally {
    producing = false
    await load.catch(() => undefined)
    await child.stop()
    await consumer.disconnect()
    await dropBenchTopology({ ...parts, producer })
    await rm(stateDir, { recursive: true, force: true })
  }
  const label = `session ${config.sessionTimeoutMs} ms, transaction ${config.transactionTimeoutMs} ms`
  console.log(
    `${label}, run ${run + 1}: read_committed consumers waited ${(stallMs / 1000).toFixed(1)} s`,
  )
  return { stallMs, label }
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

const rows: Array<{ config: Config; stallsMs: number[]; medianMs: number }> = []
for (const config of configs) {
  const stallsMs: number[] = []
  for (let run = 0; run < values.runs; run++) stallsMs.push((await oneKill(config, run)).stallMs)
  rows.push({ config, stallsMs, medianMs: median(stallsMs) })
}
console.log('\nsession ms | transaction ms | wait after kill -9 + restart (median, runs)')
for (const r of rows) {
  console.log(
    `${r.config.sessionTimeoutMs} | ${r.config.transactionTimeoutMs} | ${(r.medianMs / 1000).toFixed(1)} s (${r.stallsMs.map((s) => (s / 1000).toFixed(1)).join(', ')})`,
  )
}
console.log(`machine: ${JSON.stringify(machine())}`)
console.log(`results: ${await writeResults('fencing', { rate: values.rate, rows })}`)
