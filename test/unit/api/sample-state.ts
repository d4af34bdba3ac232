/**
 * State built by resolving the bundled sample (samples/events.ndjson; its first five events are
 * the spec's worked example), held in a MemoryStore in the bytes the processor's store holds:
 * what the read side sees in the embedded mode, without a processor or a disk.
 */
import { readFile } from 'node:fs/promises'
import { ProfileReadSide } from '../../../src/api/read-side.js'
import { DEFAULT_START } from '../../../src/cli/sample-defaults.js'
import { parseEventLine } from '../../../src/cli/event-line.js'
import { loadIdentityConfig } from '../../../src/config/identity-config.js'
import type { StateRecord } from '../../../src/core/state-records.js'
import type { ContactEvent } from '../../../src/core/types.js'
import { MemoryStore } from '../../../src/state/memory-store.js'
import { msgpackCodec } from '../../../src/state/record-codec.js'
import { given, type EventInput } from '../../support/resolver-driver.js'

export async function sampleEvents(): Promise<ContactEvent[]> {
  const lines = (await readFile(DEFAULT_START.input, 'utf8')).split('\n').filter((l) => l.trim())
  return lines.map((line) => {
    const parsed = parseEventLine(line)
    if (!parsed.ok) throw new Error(parsed.detail)
    return parsed.event
  })
}

export async function sampleReadSide(extra: readonly EventInput[] = []) {
  const config = await loadIdentityConfig(DEFAULT_START.config)
  const driver = await given(config, [...(await sampleEvents()), ...extra])
  const store = new MemoryStore()
  const codec = msgpackCodec<StateRecord>()
  await store.write(
    [...driver.state.map].map(([key, value]) => ({ key, value: codec.encode(value) })),
  )
  const profileOf = async (type: string, value: string) =>
    (await driver.profileOf(type, value)) as string
  return { config, driver, store, readSide: new ProfileReadSide(config, store), profileOf }
}
