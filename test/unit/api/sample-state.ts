/**
 * State built by resolving the bundled sample (samples/events.ndjson; its first five events are
 * the spec's worked example), held in a MemoryStore in the bytes the processor's store holds:
 * what the read side sees in the embedded mode, without a processor or a disk.
 */
import { readFile } from 'node:fs/promises'
import { HistoryIndex, type HistoryTopic, type IdentityEventLog } from '../../../src/api/history.js'
import { ProfileReadSide } from '../../../src/api/read-side.js'
import { DEFAULT_START } from '../../../src/cli/sample-defaults.js'
import { parseEventLine } from '../../../src/codecs/event-line.js'
import { loadIdentityConfig } from '../../../src/config/identity-config.js'
import type { StateRecord } from '../../../src/core/state-records.js'
import type { ContactEvent, OutputRecord } from '../../../src/core/types.js'
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
  const history = new HistoryIndex(eventLog(driver.outputs))
  return {
    config,
    driver,
    store,
    readSide: new ProfileReadSide(config, store, history),
    profileOf,
  }
}

const TOPIC: Partial<Record<OutputRecord['kind'], HistoryTopic>> = {
  merged: 'profile-merged',
  reassigned: 'link-reassigned',
  'merge-refused': 'merge-refused',
}

/** The identity-event topics as the embedded log holds them (JSON of the record without kind). */
export function eventLog(outputs: readonly OutputRecord[]): IdentityEventLog {
  const topics = new Map<HistoryTopic, Uint8Array[]>()
  for (const o of outputs) {
    const topic = TOPIC[o.kind]
    if (topic === undefined) continue
    const { kind: _kind, ...value } = o
    const list = topics.get(topic) ?? []
    list.push(new TextEncoder().encode(JSON.stringify(value)))
    topics.set(topic, list)
  }
  return {
    read: async (topic, from, max) =>
      (topics.get(topic) ?? [])
        .slice(Number(from), Number(from) + max)
        .map((value, i) => ({ offset: String(Number(from) + i), value })),
  }
}
