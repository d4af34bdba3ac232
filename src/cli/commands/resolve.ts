import { Option, type Command } from 'commander'
import { loadIdentityConfig } from '../../config/identity-config.js'
import { DEFAULT_MAX_LINE_BYTES } from '../../codecs/ndjson.js'
import {
  PROFILE_CHANGELOG_MODES,
  type ProfileChangelogMode,
} from '../../runtime/profile-changelog.js'
import { formatSummary, runResolve } from '../resolve-run.js'

interface ResolveFlags {
  readonly config: string
  readonly input: string
  readonly output: string
  readonly state?: string
  readonly store: 'rocksdb' | 'memory'
  readonly flushEvery: string
  readonly cacheEntries: string
  readonly maxLineBytes: string
  readonly profileChangelog: ProfileChangelogMode
}

function positiveInteger(name: string, text: string): number {
  const value = Number(text)
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name} must be a positive integer, got "${text}"`)
  return value
}

export function registerResolveCommand(program: Command): void {
  program
    .command('resolve')
    .description(
      'Resolve NDJSON contact events into profiles and write the outputs as NDJSON files (docs/cli.md)',
    )
    .requiredOption('--config <file>', 'identity config (YAML or JSON)')
    .requiredOption('--input <file>', "NDJSON events, one ContactEvent per line; '-' reads stdin")
    .requiredOption(
      '--output <dir>',
      'directory for profiles.ndjson, changelog.ndjson, merges.ndjson, ...',
    )
    .option('--state <dir>', 'RocksDB state directory kept between runs (default: a temporary one)')
    .addOption(
      new Option('--store <kind>', 'state store').choices(['rocksdb', 'memory']).default('rocksdb'),
    )
    .option('--flush-every <n>', 'events per state write batch', '1000')
    .option('--cache-entries <n>', 'decoded state records kept in memory', '200000')
    .addOption(
      new Option(
        '--profile-changelog <mode>',
        'changelog.ndjson: the last state of each profile per state batch, or every change',
      )
        .choices(PROFILE_CHANGELOG_MODES)
        .default('coalesced'),
    )
    .option(
      '--max-line-bytes <n>',
      'longest input line read; longer lines are dead-lettered line-too-long, never held in memory',
      String(DEFAULT_MAX_LINE_BYTES),
    )
    .action(async (flags: ResolveFlags) => {
      if (flags.store === 'memory' && flags.state !== undefined) {
        throw new Error(
          '--state needs --store rocksdb (the memory store keeps nothing between runs)',
        )
      }
      const config = await loadIdentityConfig(flags.config)
      const summary = await runResolve({
        config,
        input: flags.input,
        outputDir: flags.output,
        stateDir: flags.state ?? null,
        store: flags.store,
        flushEvery: positiveInteger('--flush-every', flags.flushEvery),
        cacheEntries: positiveInteger('--cache-entries', flags.cacheEntries),
        maxLineBytes: positiveInteger('--max-line-bytes', flags.maxLineBytes),
        profileChangelog: flags.profileChangelog,
      })
      process.stderr.write(`${formatSummary(summary, flags.output)}\n`)
    })
}
