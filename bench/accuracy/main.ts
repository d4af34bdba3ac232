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
import { loadIdentityConfig } from '../../src/config/identity-config.js'
import { MemoryStore } from '../../src/state/memory-store.js'
import { RocksDbStore } from '../../src/state/rocksdb-store.js'
import { FILES, generate, LINES_PER_PERSON } from '../gen/generate.js'
import { benchArgs, choice, integer, list, string } from '../lib/args.js'
import { startProfile } from '../lib/cpu-profile.js'
import { emitReport, machine } from '../lib/results.js'
import { analyseErrors } from './error-analysis.js'
import { scorePartition } from './pairwise.js'
import { formatScore } from './report.js'
import { profileKeys, resolveFile, ResolverSession } from './run-resolver.js'
import { loadTruth } from './truth-file.js'
import { VARIANTS, variantConfig } from './variants.js'

const args = benchArgs('bench:accuracy', {
  events: integer('lines to generate (when neither --data nor --persons)', {
    default: 100_000,
    min: 1,
  }),
  persons: integer('persons to generate', { min: 1 }),
  seed: integer('seed of the generated population', { default: 42 }),
  data: string('a directory written by `npm run gen` (instead of generating)'),
  config: string('the identity config', 'samples/identity.yaml'),
  variants: list('config variants to run', VARIANTS, VARIANTS),
  json: string('write the report to this file instead of printing it'),
  'flush-every': integer('events per batch-resolver flush', { min: 1 }),
  'cache-entries': integer('read-cache entries'),
  'cpu-profile': string("write a V8 CPU profile of the default run's increment to this file"),
  // running: the increment goes to the resolver that absorbed the history (a processor that
  // has been running); new-process: a fresh resolver on the same open state (cold cache).
  'increment-mode': choice('who absorbs the increment', ['running', 'new-process'], 'running'),
})
const incrementMode = args['increment-mode']
const flushEvery = args['flush-every']
const cacheEntries = args['cache-entries']

const work = await mkdtemp(join(tmpdir(), 'unifier-accuracy-'))
try {
  let dataDir = args.data
  if (dataDir === undefined) {
    dataDir = join(work, 'data')
    const persons = args.persons ?? Math.ceil(args.events / LINES_PER_PERSON)
    const started = performance.now()
    const generated = await generate({ persons, seed: args.seed, outDir: dataDir })
    console.error(
      `generated ${generated.events} + ${generated.incrementEvents} lines for ${persons} persons ` +
        `in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    )
  }
  const manifest = JSON.parse(await readFile(join(dataDir, FILES.manifest), 'utf8')) as object
  const truth = await loadTruth(join(dataDir, FILES.truth))
  const config = await loadIdentityConfig(args.config)
  // What a merge went through: the evidence that a placeholder (or a shared or recycled value)
  // fused two profiles, even when that value has moved on by the end.
  const via = (key: string) =>
    truth.isPlaceholder(key)
      ? 'placeholder'
      : (truth.tag(key) ?? (truth.owners.has(key) ? 'owned' : 'unknown'))
  const results: Record<string, object> = {}
  for (const variant of args.variants) {
    const onDisk = variant === 'default'
    const stateDir = join(work, `state-${variant}`)
    const store = onDisk ? await RocksDbStore.open(stateDir) : new MemoryStore()
    try {
      const effective = variantConfig(config, variant)
      const sessionOptions = {
        prefetch: onDisk,
        ...(flushEvery === undefined ? {} : { flushEvery }),
        ...(cacheEntries === undefined ? {} : { cacheEntries }),
      }
      const session = await ResolverSession.open(effective, store, sessionOptions)
      const full = await resolveFile(session, join(dataDir, FILES.events), { classify: via })
      // The increment's outputs are written, as a deployment emits them downstream.
      const incrementSession =
        incrementMode === 'running'
          ? session
          : await ResolverSession.open(effective, store, sessionOptions)
      const profiler = onDisk && args['cpu-profile'] !== undefined ? await startProfile() : null
      const increment = await resolveFile(incrementSession, join(dataDir, FILES.increment), {
        classify: via,
        outputFile: join(work, `increment-outputs-${variant}.ndjson`),
      })
      if (profiler !== null && args['cpu-profile'] !== undefined)
        await profiler.stop(args['cpu-profile'])
      const profiles = await profileKeys(store)
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
      results[variant] = {
        store: onDisk ? 'rocksdb' : 'memory',
        full,
        increment,
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
    } finally {
      await store.close()
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
