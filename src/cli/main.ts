#!/usr/bin/env -S node --max-semi-space-size=16
// (Node 24 sizes the young generation by the machine's memory: 64 MiB semi-spaces on a 23 GiB
// machine, 100+ MiB of RSS for nothing; 16 costs no CPU on realistic traffic, docs/configuration.md "Memory")
import { Command } from 'commander'
import { registerApiCommand } from './commands/api.js'
import { registerImportCommand } from './commands/import.js'
import { registerIngestCommand } from './commands/ingest.js'
import { registerResolveCommand } from './commands/resolve.js'
import { registerRunCommand } from './commands/run.js'
import { registerStartCommand } from './commands/start.js'
import { registerTopologyCommand } from './commands/topology.js'

// Each command lives in its own module under ./commands and registers itself here.
const program = new Command()
  .name('unifier')
  .description('Profile Unifier: real-time identity resolution for customer data platforms')
  .showHelpAfterError()

registerStartCommand(program)
registerResolveCommand(program)
registerRunCommand(program)
registerTopologyCommand(program)
registerImportCommand(program)
registerApiCommand(program)
registerIngestCommand(program)

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`unifier: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exitCode = 1
})
