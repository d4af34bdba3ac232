import type { Command } from 'commander'
import { pino } from 'pino'
import { loadIdentityConfig } from '../../config/identity-config.js'
import { formatEmbeddedReport } from '../../embedded/report.js'
import { runEmbedded } from '../../embedded/run-embedded.js'
import { DEFAULT_START, shown } from '../sample-defaults.js'

interface StartFlags {
  readonly config: string
  readonly input: string
  readonly state: string
}

/** Embedded state lives apart from `unifier resolve --state` stores (a different layout). */
const DEFAULT_STATE = '.state/embedded'

/**
 * `npm start`: embedded mode, no Kafka. The stream processor's own partition task runs over a
 * durable local log (level) and RocksDB under --state: the bundled sample (or --input) is
 * appended to the log once, resolved exactly once, and the profiles, merges and reassignments
 * printed. A restart continues from the last commit instead of starting over.
 */
export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description(
      'Embedded mode, no Kafka: resolve the bundled sample events and print the profiles',
    )
    .option('--config <file>', 'identity config', DEFAULT_START.config)
    .option('--input <file>', 'NDJSON events, appended to the local log once', DEFAULT_START.input)
    .option('--state <dir>', 'local log and RocksDB state, kept between runs', DEFAULT_STATE)
    .action(async (flags: StartFlags) => {
      const config = await loadIdentityConfig(flags.config)
      process.stdout.write(
        [
          'Profile Unifier, embedded mode (no Kafka)',
          `  events  ${shown(flags.input)}`,
          `  config  ${shown(flags.config)}`,
          `  state   ${shown(flags.state)} (local log + RocksDB; a restart continues from the last commit; delete it to start over)`,
          '',
        ].join('\n'),
      )
      const report = await runEmbedded({
        config,
        input: flags.input,
        stateDir: flags.state,
        logger: pino({ level: 'warn' }),
      })
      process.stdout.write(formatEmbeddedReport(report))
    })
}
