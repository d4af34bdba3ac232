/**
 * Bad input never stops a partition: undecodable bytes, an unknown schema id and an event that
 * fails validation each land in the dead-letter topic with the original bytes and where they
 * came from, and the events after them are processed.
 */
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deadLetterFromAvro } from '../../src/codecs/records.js'
import type { ContactEvent } from '../../src/core/types.js'
import { startKafkaApp, type KafkaApp } from '../../src/cli/kafka-app.js'
import { currentProfiles, processorEnv, waitFor, type ProcessorEnv } from './processor-harness.js'

let env: ProcessorEnv
let app: KafkaApp | null = null

beforeAll(async () => {
  env = await processorEnv(1)
})

afterAll(async () => {
  await app?.processor.stop()
  await env?.cleanup()
})

const identify = (eventId: string, ids: ContactEvent['identifiers']): ContactEvent => ({
  eventId,
  tenant: 'acme',
  type: 'identify',
  source: 'web',
  timestamp: Date.parse('2024-05-01T09:00:00Z'),
  identifiers: ids,
  attributes: {},
  note: null,
})

describe('unifier run: bad input', () => {
  it('dead-letters a poison record, an unknown schema id and an invalid event, and goes on', async () => {
    const key = (await env.codec.encodeContactEvent(identify('x', []))).key
    const poison = Buffer.from('this is not Avro at all')
    // Magic byte 0, then a schema id no registry has handed out.
    const unknownSchema = Buffer.concat([
      Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0]),
      Buffer.from('zz'),
    ])
    await env.produce([identify('before', [{ type: 'customer_id', value: 'C1' }])])
    await env.produceRaw([
      { key, value: poison },
      { key, value: unknownSchema },
    ])
    await env.produce([
      identify('no-ids', []),
      identify('after', [{ type: 'customer_id', value: 'C2' }]),
    ])
    app = await startKafkaApp(env.config(), pino({ level: 'warn' }))

    const dead = await waitFor(
      () => env.readAll(env.topic('dead-letter')),
      (r) => r.length >= 3,
    )
    const changelog = await waitFor(
      () => env.readAll(env.topic('profile-changelog')),
      (r) => r.length >= 2,
    )
    expect(dead).toHaveLength(3)
    const letters = await Promise.all(
      dead.map(async (r) =>
        deadLetterFromAvro(await env.codec.decode('dead-letter', 'value', r.value as Buffer)),
      ),
    )
    expect(letters.map((l) => [l.record.reason, l.input.offset])).toEqual([
      ['undecodable', '1'],
      ['unknown-schema', '2'],
      ['no-identifiers', '3'],
    ])
    expect(letters[0]?.input.value).toEqual(poison)
    expect(letters[1]?.input.value).toEqual(unknownSchema)
    expect(letters[0]?.input.key).toEqual(key)
    for (const l of letters) {
      expect(l.input.topic).toBe(env.topic('contact-events'))
      expect(l.input.partition).toBe(0)
    }
    // The events on both sides of the bad ones made profiles.
    const profiles = await currentProfiles(env, changelog)
    const anchors = [...profiles.values()].map((p) => p.anchor?.value).sort()
    expect(anchors).toEqual(['C1', 'C2'])
  })
})
