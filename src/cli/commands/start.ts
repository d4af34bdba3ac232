import type { Command } from 'commander'
import { loadIdentityConfig } from '../../config/identity-config.js'
import { formatStartReport } from '../start-report.js'
import { DEFAULT_START, runStart, shown } from '../start-run.js'

interface StartFlags {
  readonly config: string
  readonly input: string
  readonly state: string
}

/**
 * `npm start`: the embedded default, no Kafka needed. Resolves the bundled sample (or --input)
 * into RocksDB state under .state/start and prints the profiles, merges and reassignments.
 */
export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description(
      'Embedded mode, no Kafka: resolve the bundled sample events and print the profiles',
    )
    .option('--config <file>', 'identity config', DEFAULT_START.config)
    .option('--input <file>', "NDJSON events; '-' reads stdin", DEFAULT_START.input)
    .option('--state <dir>', 'RocksDB state directory, kept between runs', DEFAULT_START.stateDir)
    .action(async (flags: StartFlags) => {
      const config = await loadIdentityConfig(flags.config)
      process.stdout.write(
        [
          'Profile Unifier, embedded mode (no Kafka)',
          `  events  ${shown(flags.input)}`,
          `  config  ${shown(flags.config)}`,
          `  state   ${shown(flags.state)} (RocksDB; a restart continues from it, events already applied are skipped; delete it to start over)`,
          '',
        ].join('\n'),
      )
      const report = await runStart({ config, input: flags.input, stateDir: flags.state })
      process.stdout.write(formatStartReport(report))
    })
}
