import { describe, expect, it } from 'vitest'
import { DecodeError, SchemaRegistryError } from '../../../src/codecs/errors.js'
import { AvroSchemaRegistry } from '../../../src/codecs/registry.js'
import { loadSchemas } from '../../../src/codecs/schemas.js'
import { readWireHeader } from '../../../src/codecs/wire.js'

function header(id: number, body: number[] = [2, 0x61]): Buffer {
  const bytes = Buffer.alloc(5 + body.length)
  bytes.writeInt32BE(id, 1)
  Buffer.from(body).copy(bytes, 5)
  return bytes
}

function decodeFailure(bytes: Buffer): DecodeError {
  try {
    readWireHeader(bytes)
  } catch (err) {
    expect(err).toBeInstanceOf(DecodeError)
    return err as DecodeError
  }
  throw new Error('expected a DecodeError')
}

describe('reading the Confluent wire header', () => {
  it('gives the schema id and the Avro body', () => {
    const { schemaId, body } = readWireHeader(header(258, [2, 0x61]))
    expect(schemaId).toBe(258)
    expect([...body]).toEqual([2, 0x61])
  })

  it('calls bytes without the magic byte undecodable (JSON, plain strings, another format)', () => {
    const failure = decodeFailure(Buffer.from('{"eventId":"e1"}'))
    expect(failure.code).toBe('undecodable')
    expect(failure.retriable).toBe(false)
    expect(failure.message).toContain('magic byte')
  })

  it('calls bytes shorter than the header undecodable', () => {
    expect(decodeFailure(Buffer.from([0, 0, 1])).code).toBe('undecodable')
    expect(decodeFailure(Buffer.alloc(0)).code).toBe('undecodable')
  })

  it('calls a zero or negative schema id unknown-schema without asking the registry', () => {
    expect(decodeFailure(header(0)).code).toBe('unknown-schema')
    expect(decodeFailure(header(-5)).code).toBe('unknown-schema')
  })
})

describe('a registry that cannot be reached', () => {
  // Port 1 on loopback refuses at once: no network, no waiting.
  const registry = new AvroSchemaRegistry({ url: 'http://127.0.0.1:1', retries: 0 })

  it('fails decoding with a retriable error, never a dead-letter DecodeError', async () => {
    const contactEvent = (await loadSchemas()).get('ContactEvent')!
    const failure = await registry.decode(header(7), contactEvent).catch((e: unknown) => e)
    expect(failure).not.toBeInstanceOf(DecodeError)
    expect(failure).toBeInstanceOf(SchemaRegistryError)
    expect((failure as SchemaRegistryError).code).toBe('registry-unavailable')
    expect((failure as SchemaRegistryError).retriable).toBe(true)
  })

  it('fails registration with a retriable error naming the registry', async () => {
    const contactEvent = (await loadSchemas()).get('ContactEvent')!
    const failure = await registry
      .ensureSubject('contact-events-value', contactEvent)
      .catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(SchemaRegistryError)
    expect((failure as SchemaRegistryError).retriable).toBe(true)
    expect((failure as Error).message).toContain('127.0.0.1:1')
  })
})
