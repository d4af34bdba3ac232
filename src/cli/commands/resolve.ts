import type { Command } from 'commander'

// Placeholder until the owner of this command lands it; it refuses rather than pretending.
export function registerResolveCommand(program: Command): void {
  program.command('resolve').action(() => {
    throw new Error('resolve: not built yet')
  })
}
