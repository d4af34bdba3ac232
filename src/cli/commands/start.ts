import type { Command } from 'commander'

// Placeholder until the owner of this command lands it; it refuses rather than pretending.
export function registerStartCommand(program: Command): void {
  program.command('start').action(() => {
    throw new Error('start: not built yet')
  })
}
