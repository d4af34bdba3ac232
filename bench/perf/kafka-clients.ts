/**
 * The Kafka client lever of issue 14: the processor's Kafka pattern, without the processor,
 * run by each client on the same broker in one run, the clients alternated (A B C A B C ...),
 * medians per client:
 *  - a backlog of `--records` records (about `--value-bytes` bytes each, keyed like the
 *    project's tenant keys, on `--partitions` partitions) produced once up front;
 *  - per run, a fresh group reads it read_committed and, per fetched batch, sends
 *    `--outputs-per-input` records per input record in that partition's transaction and commits
 *    them with the next input offset (sendOffsets) every `--commit-interval` ms
 *    (bench/perf/kafka-clients/pattern.ts);
 *  - with `--work-micros N`, each input record first burns N µs of the main thread's CPU (the
 *    processor's decode/decide/encode, emulated), so batches and transactions come at the
 *    processor's pace (many small transactions) rather than a bare client's (a few huge
 *    ones); that CPU is subtracted from the client's figures;
 *  - each run is a child process (bench/perf/kafka-clients/child.ts), so its CPU is the
 *    client's alone; the window runs from the first batch to the last commit.
 * Figures: input records/s, client CPU µs per input record, broker CPU µs per input record
 * (from /proc, local stack only), and whether the client can do the processor's
 * exactly-once pattern (transactions with offsets, KIP-447). A client that cannot be loaded
 * is reported as such. `KAFKA_CLIENTS_MODULES=DIR` adds a folder with a node_modules/ of its
 * own for a client the project cannot install (see docs/benchmarks.md, "Kafka clients").
 *
 *   npm run bench:kafka-clients [-- --records 100000 --rounds 3 --clients kafkajs,platformatic,confluent]
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { createKafka } from '../../src/kafka/client.js'
import { defaultPartitionOf } from '../../src/kafka/partitioner.js'
import { benchArgs, integer, list, number } from '../lib/args.js'
import { stackCpuSeconds } from '../lib/processes.js'
import { writeResults } from '../lib/results.js'
import {
  CLIENTS,
  type ClientInfo,
  type ClientName,
  type PatternCounts,
  type RunSpec,
} from './kafka-clients/pattern.js'
import { benchKafka } from './topology.js'

const values = benchArgs('bench:kafka-clients', {
  records: integer('input records in the backlog', { default: 100_000, min: 1 }),
  partitions: integer('partitions of the input and output topics', { default: 6, min: 1 }),
  rounds: integer('rounds; each runs every client once, in turn', { default: 3, min: 1 }),
  clients: list('clients to compare', CLIENTS, CLIENTS),
  'value-bytes': integer('bytes of each input value', { default: 300, min: 1 }),
  tenants: integer('distinct tenant keys', { default: 600, min: 1 }),
  'outputs-per-input': number('output records per input record', {
    default: 0.5,
    min: 0,
    max: 10,
  }),
  'commit-interval': integer('commit a transaction this long after it began (ms)', {
    default: 50,
    min: 1,
  }),
  'max-bytes-per-partition': integer('fetch size per partition (the processor default)', {
    default: 4 * 1024 * 1024,
    min: 1024,
  }),
  'work-micros': integer(
    "main-thread CPU µs burnt per input record, the processor's own work emulated (0: none)",
    { default: 0, min: 0 },
  ),
  'run-timeout': integer('a run that has not committed everything by then fails (s)', {
    default: 300,
    min: 1,
  }),
})

const { brokers } = benchKafka()
const log = (line: string) => process.stderr.write(`[bench:kafka-clients] ${line}\n`)
const CHILD = join(import.meta.dirname, 'kafka-clients', 'child.ts')

/** The project's key of a tenant: Confluent wire format (magic 0, schema id) + Avro {tenant}. */
function tenantKey(tenant: string): Buffer {
  const text = Buffer.from(tenant, 'utf8')
  const length = zigzag(text.length)
  return Buffer.concat([Buffer.from([0, 0, 0, 0, 1]), length, text])
}

function zigzag(n: number): Buffer {
  const bytes: number[] = []
  let v = n * 2
  while (v > 0x7f) {
    bytes.push((v & 0x7f) | 0x80)
    v >>>= 7
  }
  bytes.push(v)
  return Buffer.from(bytes)
}

/** A value of about `size` bytes: a JSON-ish event, padded, so it compresses like text would. */
function valueOf(i: number, tenant: string, size: number): Buffer {
  const head = `{"tenant":"${tenant}","eventId":"${i.toString(16).padStart(12, '0')}","channel":"web","identifiers":[{"type":"email","value":"p${i % 9973}@example.com"}],"attributes":{"plan":"pro","note":"`
  const pad = randomBytes(Math.max(0, size - head.length - 3))
    .toString('base64')
    .slice(0, Math.max(0, size - head.length - 3))
  return Buffer.from(`${head}${pad}"}}`, 'utf8')
}

interface ChildLine {
  readonly event: 'info' | 'unavailable' | 'first' | 'done' | 'failed'
  readonly info?: ClientInfo
  readonly reason?: string
  readonly counts?: PatternCounts
  readonly seconds?: number
  readonly cpuMicros?: number | null
  readonly cpuMicrosFromStart?: number | null
}

/** Starts a child with `args`; `onLine` gets each JSON line; resolves with its exit code. */
function runChild(
  args: readonly string[],
  onLine: (line: ChildLine) => void,
  timeoutMs: number,
): Promise<{ code: number; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)))
  createInterface({ input: child.stdout }).on('line', (text) => {
    if (!text.startsWith('{')) return
    try {
      onLine(JSON.parse(text) as ChildLine)
    } catch {
      // not one of ours
    }
  })
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code: code ?? 1, stderr })
    }),
  )
}

interface RunResult {
  readonly client: ClientName
  readonly round: number
  readonly ok: boolean
  readonly reason?: string
  readonly records?: number
  readonly outputs?: number
  readonly transactions?: number
  readonly batches?: number
  readonly seconds?: number
  readonly recordsPerSecond?: number
  readonly clientCpuMicrosPerRecord?: number
  /** From the consumer's start: group join and any prefetch before the first batch included. */
  readonly clientCpuFromStartMicrosPerRecord?: number
  readonly brokerCpuMicrosPerRecord?: number
  readonly loadAverage1m: number
}

async function oneRun(
  client: ClientName,
  round: number,
  spec: RunSpec,
  timeoutMs: number,
): Promise<RunResult> {
  let brokerAtFirst: number | undefined
  let brokerAtDone: number | undefined
  let done: ChildLine | undefined
  let failure: string | undefined
  const { code, stderr } = await runChild(
    ['--client', client, '--spec', JSON.stringify(spec)],
    (line) => {
      if (line.event === 'first') brokerAtFirst = stackCpuSeconds(brokers)?.broker
      else if (line.event === 'done') {
        brokerAtDone = stackCpuSeconds(brokers)?.broker
        done = line
      } else if (line.event === 'failed' || line.event === 'unavailable') failure = line.reason
    },
    timeoutMs,
  )
  const load = Math.round((loadavg()[0] ?? 0) * 100) / 100
  if (
    done?.counts === undefined ||
    done.seconds === undefined ||
    done.cpuMicros === undefined ||
    done.cpuMicros === null
  ) {
    const reason =
      failure ?? `exit ${code} without finishing (timeout ${timeoutMs / 1000} s?): ${stderr}`
    return { client, round, ok: false, reason, loadAverage1m: load }
  }
  const { consumed } = done.counts
  // The emulated work is the processor's, not the client's.
  const work = done.counts.workMicros
  const cpu = done.cpuMicros - work
  const fromStart =
    done.cpuMicrosFromStart === undefined || done.cpuMicrosFromStart === null
      ? undefined
      : done.cpuMicrosFromStart - work
  const broker =
    brokerAtFirst === undefined || brokerAtDone === undefined
      ? undefined
      : ((brokerAtDone - brokerAtFirst) * 1e6) / consumed
  return {
    client,
    round,
    ok: true,
    records: consumed,
    outputs: done.counts.produced,
    transactions: done.counts.transactions,
    batches: done.counts.batches,
    seconds: round2(done.seconds),
    recordsPerSecond: Math.round(consumed / done.seconds),
    clientCpuMicrosPerRecord: round2(cpu / consumed),
    ...(fromStart === undefined
      ? {}
      : { clientCpuFromStartMicrosPerRecord: round2(fromStart / consumed) }),
    ...(broker === undefined ? {} : { brokerCpuMicrosPerRecord: round2(broker) }),
    loadAverage1m: load,
  }
}

const round2 = (x: number) => Math.round(x * 100) / 100

function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

async function main(): Promise<void> {
  const started = new Date().toISOString()
  const kafka = createKafka({ clientId: 'bench-kafka-clients', brokers })
  const admin = kafka.admin()
  await admin.connect()
  const prefix = `kafka-clients-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}.`
  const input = `${prefix}input`
  const output = `${prefix}output`
  const partitions = values.partitions
  await admin.createTopics({
    waitForLeaders: true,
    topics: [input, output].map((topic) => ({
      topic,
      numPartitions: partitions,
      replicationFactor: 1,
    })),
  })
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  const infos: Partial<Record<ClientName, ClientInfo | { unavailable: string }>> = {}
  const runs: RunResult[] = []
  try {
    log(`producing ${values.records} records (${values['value-bytes']} B values) to ${input}`)
    const keys = Array.from({ length: values.tenants }, (_, t) => {
      const tenant = `bench-1-${t}`
      const key = tenantKey(tenant)
      return { tenant, key, partition: defaultPartitionOf(key, partitions) }
    })
    for (let i = 0; i < values.records; i += 2_000) {
      const messages = []
      for (let j = i; j < Math.min(values.records, i + 2_000); j++) {
        const k = keys[j % keys.length] as (typeof keys)[number]
        messages.push({
          key: k.key,
          value: valueOf(j, k.tenant, values['value-bytes']),
          partition: k.partition,
        })
      }
      await producer.send({ topic: input, acks: -1, messages })
    }
    const ends = (await admin.fetchTopicOffsets(input))
      .sort((a, b) => a.partition - b.partition)
      .map((o) => o.high)
    log(`backlog per partition: ${ends.join(', ')}`)

    const available: ClientName[] = []
    for (const client of values.clients) {
      await runChild(
        ['--client', client, '--info-only', 'yes'],
        (line) => {
          if (line.event === 'info' && line.info !== undefined) {
            infos[client] = line.info
            available.push(client)
          } else if (line.event === 'unavailable') {
            infos[client] = { unavailable: line.reason ?? 'unknown' }
          }
        },
        60_000,
      )
      infos[client] ??= { unavailable: 'its child printed nothing' }
      log(`${client}: ${JSON.stringify(infos[client])}`)
    }

    for (let round = 1; round <= values.rounds; round++) {
      for (const client of available) {
        const runId = `${prefix}${client}-${round}`
        const spec: RunSpec = {
          brokers,
          input,
          output,
          partitions,
          groupId: `${runId}.group`,
          runId,
          ends,
          commitIntervalMs: values['commit-interval'],
          outputsPerInput: values['outputs-per-input'],
          maxBytesPerPartition: values['max-bytes-per-partition'],
          workMicrosPerRecord: values['work-micros'],
        }
        let result = await oneRun(client, round, spec, values['run-timeout'] * 1000)
        // What the broker holds, not what the client says: the group's committed offsets. A
        // transaction's offsets show once the coordinator has written its commit markers, a
        // little after the commit returned: a few seconds' grace.
        let held: string[] = []
        let offsetsCommitted = false
        for (const deadline = Date.now() + 10_000; !offsetsCommitted && Date.now() < deadline;) {
          if (held.length > 0) await new Promise((r) => setTimeout(r, 200))
          const [committed] = await admin.fetchOffsets({ groupId: spec.groupId, topics: [input] })
          held = (committed?.partitions ?? [])
            .sort((a, b) => a.partition - b.partition)
            .map((p) => p.offset)
          offsetsCommitted = held.length === ends.length && held.every((o, i) => o === ends[i])
        }
        if (result.ok && !offsetsCommitted)
          result = {
            ...result,
            ok: false,
            reason: `the group's committed offsets ${held.join(',')} are not the ends ${ends.join(',')}`,
          }
        runs.push(result)
        log(`round ${round} ${client}: ${JSON.stringify(result)}`)
      }
    }
  } finally {
    await producer.disconnect()
    await admin.deleteTopics({ topics: [input, output], timeout: 30_000 }).catch(() => undefined)
    await admin.disconnect()
  }

  const summary = values.clients.map((client) => {
    const ok = runs.filter((r) => r.client === client && r.ok)
    const pick = (f: (r: RunResult) => number | undefined) =>
      median(ok.map(f).filter((x): x is number => x !== undefined))
    return {
      client,
      info: infos[client],
      runs: ok.length,
      failedRuns: runs.filter((r) => r.client === client && !r.ok).map((r) => r.reason),
      medians: {
        recordsPerSecond: pick((r) => r.recordsPerSecond),
        clientCpuMicrosPerRecord: pick((r) => r.clientCpuMicrosPerRecord),
        clientCpuFromStartMicrosPerRecord: pick((r) => r.clientCpuFromStartMicrosPerRecord),
        brokerCpuMicrosPerRecord: pick((r) => r.brokerCpuMicrosPerRecord),
        outputsPerRecord: pick((r) => (r.outputs ?? 0) / (r.records ?? 1)),
        transactionsPerSecond: pick((r) => (r.transactions ?? 0) / (r.seconds ?? 1)),
        recordsPerBatch: pick((r) => (r.records ?? 0) / (r.batches ?? 1)),
      },
    }
  })
  const result = {
    startedAt: started,
    settings: {
      records: values.records,
      partitions,
      rounds: values.rounds,
      clients: values.clients,
      valueBytes: values['value-bytes'],
      tenants: values.tenants,
      outputsPerInput: values['outputs-per-input'],
      commitIntervalMs: values['commit-interval'],
      maxBytesPerPartition: values['max-bytes-per-partition'],
      workMicrosPerRecord: values['work-micros'],
      brokers,
    },
    loadAverage: loadavg().map(round2),
    summary,
    runs,
  }
  const file = await writeResults('kafka-clients', result)
  log(`written to ${file}`)
  process.stdout.write(`${table(summary).join('\n')}\n`)
}

type Summary = {
  client: ClientName
  info: ClientInfo | { unavailable: string } | undefined
  runs: number
  failedRuns: (string | undefined)[]
  medians: Record<string, number | undefined>
}

/** Medians per client, and their ratio to kafkajs's. */
function table(summary: readonly Summary[]): string[] {
  const base = summary.find((s) => s.client === 'kafkajs')?.medians
  const cell = (s: Summary, key: string, digits: number) => {
    const v = s.medians[key]
    if (v === undefined) return '—'
    const b = base?.[key]
    const ratio =
      b === undefined || b === 0 || s.client === 'kafkajs' ? '' : ` (${(v / b).toFixed(2)}x)`
    return `${v.toFixed(digits)}${ratio}`
  }
  const eos = (info: Summary['info']) => {
    if (info === undefined || 'unavailable' in info) return '—'
    const kip447 =
      info.kip447Producer && info.kip447Consumer
        ? 'KIP-447 both sides'
        : info.kip447Producer
          ? 'KIP-447 producer side only'
          : 'no KIP-447 (KIP-129 ids)'
    return info.transactions ? `yes, ${kip447}` : 'no'
  }
  const lines = [
    '| client | version | runs | records/s | client CPU µs/record | … from consumer start | broker CPU µs/record | outputs/record | records/batch | exactly-once pattern |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ]
  for (const s of summary) {
    if (s.info === undefined || 'unavailable' in s.info) {
      lines.push(
        `| ${s.client} | not available: ${s.info === undefined ? '?' : s.info.unavailable} | 0 | — | — | — | — | — | — | — |`,
      )
      continue
    }
    lines.push(
      `| ${s.info.client} | ${s.info.version} | ${s.runs}${s.failedRuns.length > 0 ? ` (+${s.failedRuns.length} failed)` : ''} | ${cell(s, 'recordsPerSecond', 0)} | ${cell(s, 'clientCpuMicrosPerRecord', 1)} | ${cell(s, 'clientCpuFromStartMicrosPerRecord', 1)} | ${cell(s, 'brokerCpuMicrosPerRecord', 1)} | ${cell(s, 'outputsPerRecord', 2)} | ${cell(s, 'recordsPerBatch', 0)} | ${eos(s.info)} |`,
    )
  }
  for (const s of summary)
    for (const reason of s.failedRuns)
      lines.push(`${s.client} failed run: ${(reason ?? '').split('\n')[0] ?? ''}`)
  return lines
}

await main()
