/**
 * Read-after-write lag of bench:api (`--read-after-write`): on the real broker and registry
 * (KAFKA_BROKERS, SCHEMA_REGISTRY_URL), a processor (`unifier run`, child process, default
 * commit interval) and a replica (`unifier api`, child process) on a fresh copy of the topology;
 * input events produced at a fixed rate (synthetic stream, six tenants) as the producer SDK
 * encodes them. About `samplesPerSecond` events a second that bring an identifier never seen
 * before are samples: from just before their batch is sent until the replica first answers 200
 * for that identifier (identifiers:batchGet, per tenant its oldest outstanding samples, every
 * POLL_MS: the figures are that much coarse), p50/p99. The first WARMUP_S seconds are not
 * sampled.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { COMMIT_DEFAULTS } from '../../src/config/app-config.js'
import type { ContactEvent, Identifier } from '../../src/core/types.js'
import { packageRoot } from '../../src/topology/package-files.js'
import { syntheticStream } from '../../test/support/synthetic-stream.js'
import { latencySummary } from '../lib/open-loop.js'
import { freePort, processCpuSeconds } from '../lib/processes.js'
import { startBenchProcessor } from './processor.js'
import { benchKafka, dropBenchTopology, openBenchTopology, produceEvents } from './topology.js'

const TENANTS = 6
const POLL_MS = 25
/** Outstanding samples of a tenant asked per poll (its oldest ones). */
const POLL_BATCH = 20
const WARMUP_S = 3
const TICK_MS = 50
const GIVE_UP_MS = 60_000
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The tenants' synthetic streams interleaved, one event each in turn. */
function* interleaved(seed: number): Generator<ContactEvent> {
  const streams = Array.from({ length: TENANTS }, (_, t) =>
    syntheticStream({ tenant: `raw-${t}`, identifiers: 4_000_000, seed: seed + t }),
  )
  for (;;) for (const s of streams) yield s.next().value?.event as ContactEvent
}

/** `unifier api` as deployed, in a child process; resolves once /health answers. */
async function startUnifierApi(o: {
  brokers: readonly string[]
  registryUrl: string
  prefix: string
  groupId: string
  stateDir: string
}) {
  const port = await freePort()
  const child = spawn(
    process.execPath,
    [
      ...['--import', 'tsx', join(packageRoot(), 'src', 'cli', 'main.ts'), 'api'],
      ...['--brokers', o.brokers.join(','), '--registry', o.registryUrl, '--prefix', o.prefix],
      ...['--group', o.groupId, '--state-dir', o.stateDir, '--port', String(port)],
      ...['--identity', join(packageRoot(), 'samples', 'identity.yaml')],
    ],
    {
      cwd: packageRoot(),
      env: { ...process.env, UNIFIER_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  )
  const url = `http://127.0.0.1:${port}`
  for (;;) {
    if (child.exitCode !== null) throw new Error(`unifier api exited ${child.exitCode}`)
    if (
      await fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break
    await sleep(100)
  }
  return { url, child }
}

interface Sample {
  readonly tenant: string
  readonly id: Identifier
  readonly sentAt: number
}

export async function readAfterWrite(o: {
  eventsPerSecond: number
  seconds: number
  seed: number
  samplesPerSecond?: number
  log: (line: string) => void
}) {
  const { brokers, registryUrl } = benchKafka()
  const parts = await openBenchTopology({ label: 'api-raw', brokers, registryUrl })
  const { prefix, topology, kafka, codec } = parts
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  const dir = await mkdtemp(join(tmpdir(), 'bench-api-raw-'))
  const groupId = `${prefix}processor`
  const common = { brokers, registryUrl, prefix, groupId }
  const processor = await startBenchProcessor({
    ...common,
    mode: 'child',
    stateDir: join(dir, 'run'),
    commitIntervalMs: COMMIT_DEFAULTS.intervalMs,
  })
  while ((await processor.health()).status !== 'running') await sleep(100)
  const api = await startUnifierApi({ ...common, stateDir: join(dir, 'api') })
  o.log(`read-after-write: processor and unifier api up on ${prefix}* (${api.url})`)

  // One poller for every sample: each round asks, per tenant, for its oldest outstanding
  // samples in one batchGet (a tenant's events are applied in order, so later ones cannot be
  // visible before them). Its requests/s stay bounded whatever the backlog: a poll per sample
  // every few ms would load the API with thousands of lookups a second once the lag grows.
  const lags: number[] = []
  let missing = 0
  let pollRequests = 0
  const outstanding = new Map<string, Sample[]>()
  let producing = true
  const pollOnce = async (tenant: string, samples: Sample[]) => {
    const asked = samples.slice(0, POLL_BATCH)
    pollRequests++
    const r = await fetch(`${api.url}/v1/tenants/${tenant}/identifiers:batchGet`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ identifiers: asked.map((s) => s.id) }),
    })
    const now = performance.now()
    const { results } = (await r.json()) as { results: Array<{ status: number }> }
    const done = new Set<Sample>()
    asked.forEach((sample, i) => {
      if (results[i]?.status === 200) {
        lags.push(now - sample.sentAt)
        done.add(sample)
      } else if (now - sample.sentAt > GIVE_UP_MS) {
        missing++
        done.add(sample)
      }
    })
    // samples added while this request ran stay
    outstanding.set(
      tenant,
      (outstanding.get(tenant) ?? []).filter((x) => !done.has(x)),
    )
  }
  const poller = (async () => {
    while (producing || [...outstanding.values()].some((l) => l.length > 0)) {
      await Promise.all(
        [...outstanding].filter(([, l]) => l.length > 0).map(([t, l]) => pollOnce(t, l)),
      )
      await sleep(POLL_MS)
    }
  })()

  const input = topology.byRole['contact-events'].name
  const events = interleaved(o.seed)
  const seen = new Set<string>()
  const every = Math.max(1, Math.round(o.eventsPerSecond / (o.samplesPerSecond ?? 20)))
  const total = o.eventsPerSecond * (o.seconds + WARMUP_S)
  const cpu = () => [processor.cpuSeconds(), processCpuSeconds(api.child.pid ?? 0) ?? NaN]
  let cpuBefore = cpu()
  const loadBefore = loadavg()[0] ?? 0
  let measuredFrom = 0
  const t0 = performance.now()
  const warmup = o.eventsPerSecond * WARMUP_S
  for (let sent = 0, wanted = warmup; sent < total;) {
    const due = Math.min(
      total,
      Math.floor(((performance.now() - t0 + TICK_MS) * o.eventsPerSecond) / 1000),
    )
    const batch: ContactEvent[] = []
    const samples: Array<Omit<Sample, 'sentAt'>> = []
    for (; sent < due; sent++) {
      const event = { ...(events.next().value as ContactEvent), timestamp: Date.now() }
      const fresh = event.identifiers.filter(
        (i) => !seen.has(`${event.tenant}|${i.type}|${i.value}`),
      )
      for (const i of event.identifiers) seen.add(`${event.tenant}|${i.type}|${i.value}`)
      if (sent === warmup) {
        measuredFrom = performance.now()
        cpuBefore = cpu()
      }
      // sample the first event with a new identifier at or after every `every`-th event
      if (sent >= wanted && fresh[0] !== undefined) {
        samples.push({ tenant: event.tenant, id: fresh[0] })
        wanted += every
      }
      batch.push(event)
    }
    const sentAt = performance.now()
    if (batch.length > 0) await produceEvents(producer, codec, input, batch)
    for (const s of samples)
      outstanding.set(s.tenant, [...(outstanding.get(s.tenant) ?? []), { ...s, sentAt }])
    await sleep(Math.max(0, t0 + (sent * 1000) / o.eventsPerSecond - performance.now()))
  }
  const produceSeconds = (performance.now() - measuredFrom) / 1000
  producing = false
  await poller
  const cpuAfter = cpu()
  const cores = (i: number) =>
    Math.round((((cpuAfter[i] ?? 0) - (cpuBefore[i] ?? 0)) / produceSeconds) * 100) / 100
  const result = {
    readAfterWrite: {
      eventsPerSecond: o.eventsPerSecond,
      achievedEventsPerSecond: Math.round((total - warmup) / produceSeconds),
      seconds: o.seconds,
      samples: lags.length,
      missing,
      pollMs: POLL_MS,
      pollRequestsPerSecond: Math.round(pollRequests / produceSeconds),
      commitIntervalMs: COMMIT_DEFAULTS.intervalMs,
      ...latencySummary(lags),
      processorCores: cores(0),
      apiCores: cores(1),
      load1m: [Math.round(loadBefore * 100) / 100, Math.round((loadavg()[0] ?? 0) * 100) / 100],
    },
  }
  o.log(`read-after-write: ${JSON.stringify(result.readAfterWrite)}`)
  api.child.kill('SIGTERM')
  await new Promise((resolve) => api.child.once('exit', resolve))
  await processor.stop()
  await dropBenchTopology({ ...parts, producer })
  await rm(dir, { recursive: true, force: true })
  return result
}
