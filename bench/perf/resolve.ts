/**
 * `npm run bench:resolve [-- --events 250000 --stores memory,rocksdb --cpu-prof DIR]`: the
 * `unifier resolve` command as a user runs it (a child process, NDJSON in, NDJSON out), on
 * both workloads (bench/lib/workload.ts) side by side: events/s as the command reports it
 * (start-up excluded), CPU µs per event (the child's user + system time less that of a run on
 * one event, i.e. start-up), and peak RSS (GNU time). With --cpu-prof, each run writes a V8
 * CPU profile for bench/perf/cpu-budget.ts. Results: bench/results/resolve-<date>.json.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadIdentityConfig } from '../../src/config/identity-config.js'
import { packageRoot } from '../../src/topology/package-files.js'
import { binNodeFlags } from '../lib/bin-node-flags.js'
import { benchArgs, integer, list, string } from '../lib/args.js'
import { NdjsonFile } from '../lib/ndjson-file.js'
import { writeResults } from '../lib/results.js'
import {
  formatMix,
  measureMix,
  mixShares,
  workloadEvents,
  WORKLOADS,
  type Mix,
  type Workload,
} from '../lib/workload.js'

const STORES = ['memory', 'rocksdb'] as const
const args = benchArgs('bench:resolve', {
  events: integer('events per workload', { default: 100_000, min: 1 }),
  seed: integer('seed of both workloads', { default: 11 }),
  workloads: list('workloads', WORKLOADS, WORKLOADS),
  stores: list('state stores', STORES, STORES),
  'cpu-prof': string('write a V8 CPU profile of each run to this directory'),
})
const GNU_TIME = '/usr/bin/time'
const config = join(packageRoot(), 'samples', 'identity.yaml')

interface RunResult {
  readonly exitCode: number
  readonly events: number | null
  readonly eventsPerSecond: number | null
  readonly cpuSeconds: number | null
  readonly maxRssKiB: number | null
  readonly output: string
}

/** `unifier resolve` on one file, under GNU time when the machine has it. */
async function unifierResolve(
  input: string,
  store: string,
  out: string,
  profile?: string,
): Promise<RunResult> {
  const node = [
    process.execPath,
    ...binNodeFlags(),
    ...(profile === undefined
      ? []
      : ['--cpu-prof', '--cpu-prof-dir', args['cpu-prof'] as string, '--cpu-prof-name', profile]),
    '--import',
    'tsx',
    join(packageRoot(), 'src', 'cli', 'main.ts'),
    'resolve',
    '--config',
    config,
    '--input',
    input,
    '--output',
    out,
    '--store',
    store,
  ]
  const argv = existsSync(GNU_TIME) ? [GNU_TIME, '-v', ...node] : node
  const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exitCode = await new Promise<number>((resolve) =>
    child.on('close', (code) => resolve(code ?? 1)),
  )
  const num = (re: RegExp) => {
    const m = re.exec(output)
    return m === null ? null : Number(m[1])
  }
  const user = num(/User time \(seconds\): ([\d.]+)/)
  const system = num(/System time \(seconds\): ([\d.]+)/)
  return {
    exitCode,
    events: num(/resolved (\d+) events/),
    eventsPerSecond: num(/\((\d+) events\/s\)/),
    cpuSeconds: user === null || system === null ? null : user + system,
    maxRssKiB: num(/Maximum resident set size \(kbytes\): (\d+)/),
    output: output.slice(-2000),
  }
}

const work = await mkdtemp(join(tmpdir(), 'unifier-bench-resolve-'))
const rows: Record<string, unknown>[] = []
const mixes: Partial<Record<Workload, Mix>> = {}
try {
  const one = join(work, 'one.ndjson')
  const oneFile = new NdjsonFile(one)
  for (const { event } of workloadEvents('churn', { tenant: 'acme', events: 1, seed: 1 }))
    await oneFile.write(event)
  await oneFile.close()
  const identity = await loadIdentityConfig(config)
  for (const workload of args.workloads) {
    const input = join(work, `${workload}.ndjson`)
    const file = new NdjsonFile(input)
    const opts = { tenant: 'acme', events: args.events, seed: args.seed }
    for (const { event } of workloadEvents(workload, opts)) await file.write(event)
    await file.close()
    const mix = await measureMix(identity, workloadEvents(workload, opts))
    mixes[workload] = mix
    console.error(`${workload} mix: ${formatMix(mix)}`)
    for (const store of args.stores) {
      // Start-up (Node, tsx, config, store open) measured on one event, taken off the CPU.
      const startup = await unifierResolve(one, store, join(work, `out-one-${store}`))
      const profile =
        args['cpu-prof'] === undefined ? undefined : `resolve-${workload}-${store}.cpuprofile`
      const run = await unifierResolve(
        input,
        store,
        join(work, `out-${workload}-${store}`),
        profile,
      )
      if (run.exitCode !== 0) {
        console.error(`unifier resolve failed (exit ${run.exitCode}):\n${run.output}`)
        process.exitCode = 1
        continue
      }
      const events = run.events ?? args.events
      const cpu = run.cpuSeconds === null ? null : run.cpuSeconds - (startup.cpuSeconds ?? 0)
      const row = {
        workload,
        store,
        events,
        eventsPerSecond: run.eventsPerSecond,
        cpuMicrosPerEvent: cpu === null ? null : Math.round((cpu / events) * 1e6),
        startupCpuSeconds: startup.cpuSeconds,
        peakRssMiB: run.maxRssKiB === null ? null : Math.round(run.maxRssKiB / 1024),
      }
      console.error(`${workload} ${store}: ${JSON.stringify(row)}`)
      rows.push(row)
    }
  }
} finally {
  await rm(work, { recursive: true, force: true })
}
const lines = [
  `| unifier resolve, ${args.events} events | ${args.workloads.map((w) => `${w} memory | ${w} RocksDB`).join(' | ')} |`,
]
lines.push(`| --- |${args.workloads.map(() => ' ---: | ---: |').join('')}`)
const cell = (w: string, s: string, k: string) =>
  String(rows.find((r) => r.workload === w && r.store === s)?.[k] ?? '—')
for (const [label, key] of [
  ['events/s', 'eventsPerSecond'],
  ['CPU µs per event', 'cpuMicrosPerEvent'],
  ['peak RSS MiB', 'peakRssMiB'],
] as const) {
  lines.push(
    `| ${label} | ${args.workloads.map((w) => `${cell(w, 'memory', key)} | ${cell(w, 'rocksdb', key)}`).join(' | ')} |`,
  )
}
console.log(lines.join('\n'))
const file = await writeResults('resolve', {
  events: args.events,
  seed: args.seed,
  loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  mixes: Object.fromEntries(
    Object.entries(mixes).map(([w, mix]) => [w, { ...mix, shares: mixShares(mix) }]),
  ),
  runs: rows,
})
console.log(`written ${file}`)
