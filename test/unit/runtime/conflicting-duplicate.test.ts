import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadIdentityConfig } from '../../../src/config/identity-config.js'
import { createResolver } from '../../../src/core/resolver.js'
import type { ContactEvent } from '../../../src/core/types.js'
import { BatchResolver, resolveAll } from '../../../src/runtime/batch-resolver.js'
import { MemoryStore } from '../../../src/state/memory-store.js'

const config = await loadIdentityConfig(
  join(import.meta.dirname, '..', 'cli', 'fixtures', 'identity.yaml'),
)

function event(eventId: string, email: string): ContactEvent {
  return {
    eventId,
    tenant: 'acme',
    type: 'identify',
    source: 'web',
    timestamp: 1_700_000_000_000,
    identifiers: [{ type: 'email', value: email }],
    attributes: {},
    note: null,
  }
}

// Issue 11: a producer that reuses eventIds shows in the batch resolver's stats (the CLI summary).
describe('BatchResolver: conflicting duplicates', () => {
  it('counts them apart, as a part of the duplicates', async () => {
    const batch = await BatchResolver.open({
      resolver: createResolver(config),
      store: new MemoryStore(),
    })
    const first = event('e1', 'ann@x.com')
    const inputs = [first, first, event('e1', 'bob@x.com')].map((e, i) => ({
      event: e,
      position: { sequence: i + 1 },
    }))
    const stats = await resolveAll(batch, inputs, () => undefined)
    expect(stats).toMatchObject({ applied: 1, duplicates: 2, conflictingDuplicates: 1 })
  })
})
