import type { Command } from 'commander'

// Placeholder until the owner of this command lands it; it refuses rather than pretending.
export function registerTopologyCommand(program: Command): void {
  program.command('topology').action(() => {
    throw new Error('topology: not built yet')
  })
}
