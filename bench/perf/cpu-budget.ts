/**
 * `npm run bench:cpu-budget -- --profile FILE.cpuprofile [--e2e RESULTS.json --workload W |
 * --from µs --to µs] [--events N]`: where a processor's CPU goes, in µs per event by stage,
 * from a V8 CPU profile (`node --cpu-prof`: bench:e2e's --child-cpu-prof, or `unifier resolve`
 * run under it). docs/benchmarks.md ("CPU budget") holds the tables made with it.
 *
 * Each sample is charged to a stage by its stack, leaf first: the first frame that a rule below
 * names decides; "weak" rules (a library used by several stages: avsc, kafkajs's network and
 * protocol layers, Node's internals) decide only when no frame above them is named by a strong
 * rule. With bench:e2e's results file, only the samples of its backlog phase count (the
 * profile's timestamps and the window share the monotonic clock) and the events are its
 * events; otherwise the whole profile is charged to --events events.
 */
import { readFile } from 'node:fs/promises'
import { benchArgs, integer, string } from '../lib/args.js'

export const STAGES = [
  'consume and decode',
  'resolve (core decide)',
  'state (reads, writes, msgpack, RocksDB)',
  'encode outputs',
  'produce',
  'commit (transaction, offsets)',
  'Kafka client network and protocol',
  'runtime loop (task, batch resolver, promises)',
  'metrics, HTTP, logs',
  'garbage collection',
  'start-up (module loading)',
  'other',
] as const
export type Stage = (typeof STAGES)[number]

interface Rule {
  readonly url: RegExp
  readonly fn?: RegExp
  readonly stage: Stage
  /** Decides only when no strong rule matches a frame above it. */
  readonly weak?: boolean
}

const RULES: readonly Rule[] = [
  { url: /\/src\/core\//, stage: 'resolve (core decide)' },
  {
    url: /\/src\/state\/|\/msgpackr\/|\/rocksdb-native\//,
    stage: 'state (reads, writes, msgpack, RocksDB)',
  },
  { url: /\/src\/runtime\/state-prefetch\.ts$/, stage: 'state (reads, writes, msgpack, RocksDB)' },
  {
    url: /\/src\/runtime\/batch-resolver\.ts$/,
    fn: /prefetch|flush|seal|load|read/i,
    stage: 'state (reads, writes, msgpack, RocksDB)',
  },
  { url: /\/src\/runtime\/task\.ts$/, fn: /decode/i, stage: 'consume and decode' },
  { url: /\/src\/runtime\/task\.ts$/, fn: /encode/i, stage: 'encode outputs' },
  { url: /\/src\/runtime\/task\.ts$/, fn: /commit/i, stage: 'commit (transaction, offsets)' },
  // Input: NDJSON lines (unifier resolve) and Avro records (the Kafka path).
  { url: /\/src\/codecs\/(event-line|bounded-scan)\.ts$/, stage: 'consume and decode' },
  { url: /\/src\/codecs\/ndjson\.ts$/, fn: /read|line|open|scan/i, stage: 'consume and decode' },
  { url: /\/src\/codecs\/ndjson\.ts$/, stage: 'produce' },
  { url: /\/src\/codecs\//, fn: /decode|read|from/i, stage: 'consume and decode' },
  { url: /\/src\/codecs\//, fn: /encode|write|to[A-Z]|plainMap/, stage: 'encode outputs' },
  {
    url: /\/src\/cli\/(ndjson-resolution|resolve-run)\.ts$/,
    fn: /write|output/i,
    stage: 'produce',
  },
  {
    url: /\/src\/kafka\/transactional-sink\.ts$/,
    fn: /^(commit|begin|abort)$/,
    stage: 'commit (transaction, offsets)',
  },
  { url: /\/src\/kafka\/transactional-sink\.ts$/, stage: 'produce' },
  {
    url: /\/src\/kafka\/(crc32c|partitioner)\.ts$|\/src\/kafka\/patches\/(produce-encoding|partition-grouping)/,
    stage: 'produce',
  },
  {
    url: /\/src\/kafka\/(group-consumer|fixed-assignment|changelog-source)\.ts$/,
    stage: 'consume and decode',
  },
  { url: /\/src\/kafka\/offsets\.ts$/, stage: 'commit (transaction, offsets)' },
  {
    url: /\/kafkajs\/src\/producer\/eosManager|\/requests\/(addOffsetsToTxn|endTxn|txnOffsetCommit|addPartitionsToTxn)\//,
    stage: 'commit (transaction, offsets)',
  },
  {
    url: /\/kafkajs\/src\/producer\/|\/kafkajs\/src\/protocol\/requests\/produce\//,
    stage: 'produce',
  },
  {
    url: /\/kafkajs\/src\/consumer\/|\/kafkajs\/src\/protocol\/requests\/fetch\//,
    stage: 'consume and decode',
  },
  {
    url: /\/kafkajs\/src\/protocol\/(recordBatch|message)\//,
    stage: 'consume and decode',
    weak: true,
  },
  { url: /\/kafkajs\/|\/src\/kafka\//, stage: 'Kafka client network and protocol', weak: true },
  // unifier resolve: its files (reading the input, writing the outputs)
  { url: /^node:internal\/fs\//, fn: /read/i, stage: 'consume and decode', weak: true },
  { url: /^node:internal\/fs\//, stage: 'produce', weak: true },
  {
    url: /^node:(net|internal\/stream_base_commons|internal\/streams)/,
    stage: 'Kafka client network and protocol',
    weak: true,
  },
  {
    url: /\/prom-client\/|\/fastify|\/pino|\/ajv\/|fast-json-stringify|undici|\/src\/api\/|\/src\/runtime\/(metrics|replica-metrics)\.ts$/,
    stage: 'metrics, HTTP, logs',
  },
  {
    url: /^node:internal\/modules|\/tsx\/|\/esbuild\/|\/src\/cli\/main\.ts$/,
    stage: 'start-up (module loading)',
  },
  { url: /\/src\/runtime\//, stage: 'runtime loop (task, batch resolver, promises)' },
  {
    url: /^node:internal\/process\/task_queues/,
    stage: 'runtime loop (task, batch resolver, promises)',
    weak: true,
  },
]

interface CallFrame {
  readonly functionName: string
  readonly url: string
}
interface ProfileNode {
  readonly id: number
  readonly callFrame: CallFrame
  readonly children?: readonly number[]
}
export interface CpuProfile {
  readonly nodes: readonly ProfileNode[]
  readonly startTime: number
  readonly endTime: number
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

function matches(rule: Rule, frame: CallFrame): boolean {
  return rule.url.test(frame.url) && (rule.fn === undefined || rule.fn.test(frame.functionName))
}

/** The stage of one stack (leaf first); null for idle time. */
export function stageOf(stack: readonly CallFrame[]): Stage | null {
  const leaf = stack[0]
  if (leaf === undefined) return 'other'
  switch (leaf.functionName) {
    case '(idle)':
      return null
    case '(garbage collector)':
      return 'garbage collection'
    case '(program)':
      return 'other'
  }
  let weak: Stage | null = null
  for (const frame of stack) {
    const rule = RULES.find((r) => matches(r, frame))
    if (rule === undefined) continue
    if (rule.weak !== true) return rule.stage
    weak ??= rule.stage
  }
  return weak ?? 'other'
}

export interface Budget {
  /** Busy (non-idle) milliseconds of the main thread in the window. */
  readonly busyMs: number
  readonly idleMs: number
  readonly byStage: Readonly<Record<Stage, number>>
  /** Self milliseconds by stage and leaf frame (`file function`), to check the mapping. */
  readonly leaves: Readonly<Record<Stage, Readonly<Record<string, number>>>>
}

/** Milliseconds per stage over the samples whose time falls in [from, to] (µs, monotonic). */
export function budget(profile: CpuProfile, from = -Infinity, to = Infinity): Budget {
  const parent = new Map<number, ProfileNode>()
  const byId = new Map<number, ProfileNode>()
  for (const node of profile.nodes) {
    byId.set(node.id, node)
    for (const child of node.children ?? []) parent.set(child, node)
  }
  const stageCache = new Map<number, Stage | null>()
  const stageOfNode = (id: number): Stage | null => {
    const cached = stageCache.get(id)
    if (cached !== undefined || stageCache.has(id)) return cached ?? null
    const stack: CallFrame[] = []
    for (let n = byId.get(id); n !== undefined; n = parent.get(n.id)) stack.push(n.callFrame)
    const stage = stageOf(stack)
    stageCache.set(id, stage)
    return stage
  }
  const byStage = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>
  const leaves = Object.fromEntries(STAGES.map((s) => [s, {}])) as Record<
    Stage,
    Record<string, number>
  >
  let idle = 0
  let t = profile.startTime
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0
    t += delta
    if (t < from || t > to) continue
    // A sample's delta is the time since the previous one: charge it to this sample's stack.
    const stage = stageOfNode(profile.samples[i] as number)
    if (stage === null) {
      idle += delta
      continue
    }
    byStage[stage] += delta
    const frame = byId.get(profile.samples[i] as number)?.callFrame
    const leaf = `${(frame?.url ?? '').replace(/^.*\/(src|node_modules)\//, '$1/')} ${frame?.functionName ?? ''}`
    leaves[stage][leaf] = (leaves[stage][leaf] ?? 0) + delta / 1000
  }
  const ms = (us: number) => us / 1000
  return {
    busyMs: ms(Object.values(byStage).reduce((a, b) => a + b, 0)),
    idleMs: ms(idle),
    byStage: Object.fromEntries(STAGES.map((s) => [s, ms(byStage[s])])) as Record<Stage, number>,
    leaves,
  }
}

/**
 * A markdown table by stage: share of the busy samples, µs per event from the samples, and,
 * given the process's measured CPU µs per event, that figure split by the shares. The sampler
 * counts wall time on the main thread, so on a loaded machine (descheduled time) the sampled
 * µs run above the measured CPU; the shares are the budget, the scaled column its size.
 */
export function budgetTable(b: Budget, events: number, cpuMicrosPerEvent?: number): string[] {
  const per = (ms: number) => ((ms * 1000) / events).toFixed(1)
  // Start-up is not per-event work: left out of the split (bench:resolve takes it off the CPU).
  const base = b.busyMs - b.byStage['start-up (module loading)']
  const scaled = (ms: number, stage?: Stage) =>
    cpuMicrosPerEvent === undefined
      ? ''
      : stage === 'start-up (module loading)'
        ? ' (left out) |'
        : ` ${((ms / base) * cpuMicrosPerEvent).toFixed(1)} |`
  const lines = [
    `| stage | share | sampled µs per event |${cpuMicrosPerEvent === undefined ? '' : ' µs per event of measured CPU |'}`,
    `| --- | ---: | ---: |${cpuMicrosPerEvent === undefined ? '' : ' ---: |'}`,
  ]
  for (const stage of STAGES) {
    const ms = b.byStage[stage]
    if (ms === 0) continue
    lines.push(`| ${stage} | ${((ms / b.busyMs) * 100).toFixed(1)} % | ${per(ms)} |${scaled(ms)}`)
  }
  lines.push(`| **main thread busy** | 100 % | **${per(b.busyMs)}** |${scaled(base)}`)
  return lines
}

if (import.meta.main) {
  const args = benchArgs('bench:cpu-budget', {
    profile: string('the .cpuprofile to read'),
    e2e: string("a bench:e2e results file: the backlog window and events of --workload's run"),
    workload: string('the workload of the e2e results file to take the window of', 'realistic'),
    from: integer('window start, µs on the monotonic clock (default: the whole profile)'),
    to: integer('window end, µs on the monotonic clock'),
    events: integer('events the window processed (given, or from --e2e)', { min: 1 }),
    detail: integer('also list the top N leaf functions of each stage', { default: 0 }),
    'cpu-micros': integer(
      "the process's measured CPU µs per event (or from --e2e), split by the shares",
    ),
  })
  if (args.profile === undefined) throw new Error('--profile is required')
  const profile = JSON.parse(await readFile(args.profile, 'utf8')) as CpuProfile
  let { from, to, events } = args
  let cpuMicros = args['cpu-micros']
  if (args.e2e !== undefined) {
    const results = JSON.parse(await readFile(args.e2e, 'utf8')) as {
      workloads: Record<
        string,
        {
          profileWindow?: { fromMicros: number; toMicros: number; events: number }
          throughput?: { processorCpuMicrosPerEvent?: number }
        }
      >
    }
    const window = results.workloads[args.workload]?.profileWindow
    if (window === undefined)
      throw new Error(`no profileWindow for ${args.workload} in ${args.e2e}`)
    from ??= window.fromMicros
    to ??= window.toMicros
    events ??= window.events
    cpuMicros ??= results.workloads[args.workload]?.throughput?.processorCpuMicrosPerEvent
  }
  if (events === undefined) throw new Error('--events (or --e2e) is required')
  const b = budget(profile, from, to)
  const windowMs = (((to ?? profile.endTime) - (from ?? profile.startTime)) / 1000).toFixed(0)
  console.log(
    `${args.profile}: ${events} events, window ${windowMs} ms, main thread busy ${b.busyMs.toFixed(0)} ms, idle ${b.idleMs.toFixed(0)} ms`,
  )
  console.log(budgetTable(b, events, cpuMicros).join('\n'))
  if (args.detail > 0) {
    for (const stage of STAGES) {
      const top = Object.entries(b.leaves[stage])
        .sort((x, y) => y[1] - x[1])
        .slice(0, args.detail)
      if (top.length === 0) continue
      console.log(`\n${stage}:`)
      for (const [leaf, ms] of top) console.log(`  ${ms.toFixed(0).padStart(6)} ms  ${leaf}`)
    }
  }
}
