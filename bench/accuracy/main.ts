/**
 * `npm run bench:accuracy [-- --events 1000000 | --data DIR] [--variants a,b] [--json FILE]`:
 * generates a population (or reads one made by `npm run gen`), resolves events.ndjson then
 * increment.ndjson with Profile Unifier, and scores the final partition against truth.ndjson
 * for each config variant (docs/accuracy.md). The default variant runs on RocksDB and times the
 * increment absorbed on the existing state; the others run on the in-memory store.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { loadIdentityConfig } from '../../src/config/identity-config.js'
import { MemoryStore } from '../../src/state/memory-store.js'
import { RocksDbStore } from '../../src/state/rocksdb-store.js'
import { FILES, generate } from '../gen/generate.js'
import { emitReport, machine } from '../results.js'
import { analyseErrors } from './error-analysis.js'
import { scorePartition } from './pairwise.js'
import {
  breakdown,
  formatBreakdown,
  timeParse,
  timeReopen,
  type IncrementBreakdown,
} from './increment-breakdown.js'
import { LINES_PER_PERSON } from './sizing.js'
import { startProfile } from '../cpu-profile.js'
import { RootPrefetchStore } from './root-prefetch.js'
import { TimedStore } from './timed-store.js'
import { formatScore } from './report.js'
import {
  decodeRecord,
  profileKeys,
  resolveFile,
  ResolverSession,
  storedRecordType,
} from './run-resolver.js'
import { loadTruth } from './truth-file.js'
import { VARIANTS, variantConfig, type VariantName } from './variants.js'

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    persons: { type: 'string' },
    seed: { type: 'string', default: '42' },
    data: { type: 'string' },
    config: { type: 'string', default: 'samples/identity.yaml' },
    variants: { type: 'string', default: VARIANTS.join(',') },
    json: { type: 'string' },
    'flush-every': { type: 'string' },
    'cache-entries': { type: 'string' },
    // Experiment: read the roots behind pointer records in one more round per prefetch
    // (bench/accuracy/root-prefetch.ts), to size what a third prefetch round would save.
    'prefetch-roots': { type: 'boolean', default: false },
    // A V8 CPU profile of the default run's increment alone (open in Chrome DevTools).
    'cpu-profile': { type: 'string' },
    // running: the increment goes to the resolver that absorbed the history (a processor that
    // has been running); new-process: a fresh resolver on the same open state (cold cache).
    'increment-mode': { type: 'string', default: 'running' },
  },
})
const incrementMode = args['increment-mode'] as string
if (incrementMode !== 'running' && incrementMode !== 'new-process') {
  throw new Error(`--increment-mode must be running or new-process, got ${incrementMode}`)
}
const prefetchRoots = args['prefetch-roots'] === true
const flushEvery = args['flush-every'] === undefined ? undefined : Number(args['flush-every'])
const cacheEntries = args['cache-entries'] === undefined ? undefined : Number(args['cache-entries'])

const variants = (args.variants as string).split(',') as VariantName[]
for (const name of variants) {
  if (!VARIANTS.includes(name)) throw new Error(`unknown variant ${name}: one of ${VARIANTS}`)
}
const work = await mkdtemp(join(tmpdir(), 'unifier-accuracy-'))
try {
  let dataDir = args.data
  if (dataDir === undefined) {
    dataDir = join(work, 'data')
    const persons = Number(args.persons ?? Math.ceil(Number(args.events) / LINES_PER_PERSON))
    const started = performance.now()
    const generated = await generate({ persons, seed: Number(args.seed), outDir: dataDir })
    console.error(
      `generated ${generated.events} + ${generated.incrementEvents} lines for ${persons} persons ` +
        `in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    )
  }
  const manifest = JSON.parse(await readFile(join(dataDir, FILES.manifest), 'utf8')) as object
  const truth = await loadTruth(join(dataDir, FILES.truth))
  const config = await loadIdentityConfig(args.config as string)
  // What a merge went through: the evidence that a placeholder (or a shared or recycled value)
  // fused two profiles, even when that value has moved on by the end.
  const via = (key: string) =>
    truth.isPlaceholder(key)
      ? 'placeholder'
      : (truth.tag(key) ?? (truth.owners.has(key) ? 'owned' : 'unknown'))
  const results: Record<string, object> = {}
  for (const variant of variants) {
    const onDisk = variant === 'default'
    const stateDir = join(work, `state-${variant}`)
    const base = onDisk ? await RocksDbStore.open(stateDir) : new MemoryStore()
    const roots = new RootPrefetchStore(base, decodeRecord)
    const timed = new TimedStore(roots, storedRecordType)
    let open = true
    try {
      const effective = variantConfig(config, variant)
      const sessionOptions = {
        prefetch: onDisk,
        ...(flushEvery === undefined ? {} : { flushEvery }),
        ...(cacheEntries === undefined ? {} : { cacheEntries }),
      }
      const session = await ResolverSession.open(effective, timed, sessionOptions)
      const full = await resolveFile(session, join(dataDir, FILES.events), { classify: via })
      timed.take()
      // The increment's outputs are written, as a deployment emits them downstream.
      const incrementSession =
        incrementMode === 'running'
          ? session
          : await ResolverSession.open(effective, timed, sessionOptions)
      roots.enabled = prefetchRoots
      const profiler = onDisk && args['cpu-profile'] !== undefined ? await startProfile() : null
      const increment = await resolveFile(incrementSession, join(dataDir, FILES.increment), {
        classify: via,
        outputFile: join(work, `increment-outputs-${variant}.ndjson`),
      })
      if (profiler !== null) await profiler.stop(args['cpu-profile'] as string)
      const incrementStore = timed.take()
      const profiles = await profileKeys(timed)
      // Headline: against the persons. Secondary: against the evidence fragments (what the
      // events connect), which differ from persons only where the generator left a gap.
      const score = scorePartition(truth, profiles)
      const evidence = scorePartition(truth.evidence, profiles)
      const errors = analyseErrors(truth, profiles)
      const placeholderOverMerges = {
        profilesHoldingPlaceholder: score.overMergedWithPlaceholder,
        mergesViaPlaceholder:
          (full.mergesVia.placeholder ?? 0) + (increment.mergesVia.placeholder ?? 0),
      }
      let incrementBreakdown: IncrementBreakdown | undefined
      if (onDisk) {
        const parseMs = await timeParse(join(dataDir, FILES.increment))
        const closing = performance.now()
        open = false
        await timed.close()
        const closeMs = performance.now() - closing
        const { reopenMs } = await timeReopen(stateDir)
        incrementBreakdown = breakdown(increment, incrementStore, parseMs, closeMs, reopenMs)
      }
      results[variant] = {
        store: onDisk ? 'rocksdb' : 'memory',
        full,
        increment,
        ...(incrementBreakdown === undefined ? {} : { incrementBreakdown }),
        ...(prefetchRoots ? { rootReadsServedByExtraRound: roots.served } : {}),
        score,
        evidence,
        placeholderOverMerges,
        errors,
      }
      console.error(formatScore(`${variant} vs persons`, score, full, increment))
      console.error(formatScore(`  vs evidence fragments`, evidence))
      console.error(
        `  over-merged because of a placeholder: ${placeholderOverMerges.profilesHoldingPlaceholder} ` +
          `profiles hold one, ${placeholderOverMerges.mergesViaPlaceholder} merges went through one`,
      )
      console.error(
        `  merges via: ${JSON.stringify(full.mergesVia)} + increment ${JSON.stringify(increment.mergesVia)}; dropped ${JSON.stringify(full.dropped)}`,
      )
      console.error(`  errors: ${JSON.stringify(errors)}`)
      if (incrementBreakdown !== undefined) console.error(formatBreakdown(incrementBreakdown))
      if (prefetchRoots) console.error(`  root reads served by the extra round: ${roots.served}`)
    } finally {
      if (open) await timed.close()
      if (onDisk) await rm(stateDir, { recursive: true, force: true })
    }
  }
  const report = {
    measuredAt: new Date().toISOString(),
    machine: machine(),
    data: manifest,
    config: args.config,
    incrementMode,
    flushEvery: flushEvery ?? 'default',
    cacheEntries: cacheEntries ?? 'default',
    prefetchRoots,
    truth: {
      scoredIdentifiers: truth.owners.size,
      persons: truth.persons,
      evidenceFragments: truth.fragments,
      sharedIdentifiers: truth.shared,
      changedOwner: truth.changedOwner,
    },
    variants: results,
    maxRssKiB: process.resourceUsage().maxRSS,
  }
  await emitReport(report, args.json)
} finally {
  await rm(work, { recursive: true, force: true })
}
