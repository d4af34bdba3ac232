/**
 * Issue 11: every record resolves or is dead-lettered. Arbitrary bytes go through the two ways
 * in: the Avro decode path (TopicCodec.decodeContactEvent over the Confluent wire format, with
 * an offline registry stand-in) and the NDJSON reader + line parser + resolver of `unifier
 * resolve`. Nothing may throw out of them: the answer is an event (then an outcome) or a typed
 * dead letter.
 */
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { linesOf } from '../../src/codecs/ndjson.js'
import { resolveNdjson, type BadLine } from '../../src/cli/ndjson-resolution.js'
import { DecodeError } from '../../src/codecs/errors.js'
import { AvroSchemaRegistry, type SubjectResult } from '../../src/codecs/registry.js'
import { loadSchemas, type LoadedSchema, type SchemaSet } from '../../src/codecs/schemas.js'
import { TopicCodec } from '../../src/codecs/topic-codec.js'
import { createResolver, type StateRecord } from '../../src/core/resolver.js'
import type { ContactEvent } from '../../src/core/types.js'
import { MemoryStore } from '../../src/state/memory-store.js'
import { msgpackCodec } from '../../src/state/record-codec.js'
import { loadTopology } from '../../src/topology/file.js'
import { defaultTopologyFile } from '../../src/topology/package-files.js'
import { MapState } from '../support/resolver-driver.js'
import { identityConfig } from '../unit/core/identity-fixture.js'
import { fcParams, PROPERTY_TIMEOUT_MS } from './fc-params.js'

/**
 * The real registry client with no registry behind it: subjects get ids here, and an id it
 * never handed out is answered like a registry's 404. Decoding runs the real code after that.
 */
class OfflineRegistry extends AvroSchemaRegistry {
  private nextId = 1
  readonly ids = new Map<string, number>()

  constructor() {
    super({ url: 'http://127.0.0.1:1', retries: 0 })
  }

  override async ensureSubject(subject: string, schema: LoadedSchema): Promise<SubjectResult> {
    const id = this.ids.get(schema.name) ?? this.nextId++
    this.ids.set(schema.name, id)
    this.remember(id, schema)
    return { subject, status: 'unchanged', id, compatibilityBefore: 'BACKWARD' }
  }

  protected override async fetchWriter(schemaId: number): Promise<unknown> {
    throw new DecodeError('unknown-schema', `schema id ${schemaId} is not in the registry`)
  }
}

let codec: TopicCodec
let registry: OfflineRegistry
let schemas: SchemaSet
const config = identityConfig()

beforeAll(async () => {
  schemas = await loadSchemas()
  registry = new OfflineRegistry()
  codec = await TopicCodec.start(registry, await loadTopology(defaultTopologyFile()), schemas)
})

const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', '\u0000', '\u200b\u200b', '\ufeff', 'a\r\nb', '\ud800', 'caf\u0065\u0301'),
  fc.string({
    unit: fc.constantFrom('a', '\u0000', '\r', '\u200b', '\u0301', '\u001f'),
    maxLength: 20,
  }),
)

/** ContactEvents as the Avro schema allows them, with hostile text and extreme numbers. */
const avroEvent = fc.record({
  eventId: hostileText,
  tenant: fc.oneof(fc.constant('acme'), hostileText),
  type: fc.constantFrom('identify', 'unlink', 'note', 'forget'),
  source: hostileText,
  timestamp: fc.oneof(
    fc.integer(),
    fc.constantFrom(
      0,
      -62_135_596_800_000,
      8_640_000_000_000_000,
      8_640_000_000_000_001,
      2 ** 52,
      -(2 ** 52),
    ),
  ),
  identifiers: fc.array(
    fc.record({
      type: fc.constantFrom('email', 'phone', 'customer_id', 'loyalty_card', 'x'),
      value: hostileText,
    }),
    { maxLength: 4 },
  ),
  attributes: fc.dictionary(
    fc.constantFrom('first_name', 'points', 'birthday', 'vip', 'other'),
    fc.oneof(hostileText, fc.double(), fc.boolean(), fc.constant(null)),
    { maxKeys: 3 },
  ),
  note: fc.option(hostileText),
})

async function decideOnce(event: ContactEvent): Promise<string> {
  const resolver = createResolver(config)
  const decision = await resolver.decide(event, { sequence: 1 }, new MapState())
  return decision.outcome.status
}

/** Decodes; an event must then get an outcome from the resolver. Returns what happened. */
async function throughAvro(bytes: Buffer): Promise<'event' | 'dead-letter'> {
  let event: ContactEvent
  try {
    event = await codec.decodeContactEvent(bytes)
  } catch (err) {
    expect(err).toBeInstanceOf(DecodeError)
    expect((err as DecodeError).retriable).toBe(false)
    return 'dead-letter'
  }
  expect(['applied', 'duplicate', 'dead-lettered']).toContain(await decideOnce(event))
  return 'event'
}

describe('the Avro decode path on hostile bytes', () => {
  it(
    'arbitrary bytes, with or without a valid header, decode to an event or a DecodeError',
    async () => {
      const contactId = registry.ids.get('ContactEvent') as number
      const header = (id: number) => {
        const h = Buffer.alloc(5)
        h.writeInt32BE(id, 1)
        return h
      }
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
            fc
              .tuple(
                fc.oneof(fc.constant(contactId), fc.integer()),
                fc.uint8Array({ maxLength: 96 }),
              )
              .map(([id, body]) => Buffer.concat([header(id), Buffer.from(body)])),
          ),
          async (bytes) => {
            await throughAvro(bytes)
          },
        ),
        fcParams(400),
      )
    },
    PROPERTY_TIMEOUT_MS,
  )

  it(
    'valid records, truncated or with bytes flipped, decode to an event or a DecodeError; intact ones to the event',
    async () => {
      const type = (schemas.get('ContactEvent') as LoadedSchema).type
      await fc.assert(
        fc.asyncProperty(
          avroEvent,
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }),
          fc.option(fc.nat()),
          async (event, flips, cut) => {
            const wire = (await codec.encodeContactEvent(event)).value as Buffer
            expect(await throughAvro(wire)).toBe('event')
            const hostile = Buffer.from(wire)
            for (const [at, value] of flips) hostile[at % hostile.length] = value
            await throughAvro(cut === null ? hostile : hostile.subarray(0, cut % hostile.length))
            expect(type.isValid(event)).toBe(true)
          },
        ),
        fcParams(300),
      )
    },
    PROPERTY_TIMEOUT_MS,
  )
})

const JSON_EVENT = (fields: Record<string, unknown>) =>
  JSON.stringify({ eventId: 'e', tenant: 'acme', source: 'web', timestamp: 1, ...fields })

/** One input line as bytes: hostile JSON events, text, raw bytes, and lines over the cap. */
const lineBytes = fc.oneof(
  avroEvent.map((e) => Buffer.from(JSON.stringify(e))),
  fc
    .record({
      timestamp: fc.oneof(
        fc.integer(),
        fc.double(),
        hostileText,
        fc.constantFrom('2024-02-30', '0001-01-01', '+275760-09-13T00:00:00Z'),
      ),
      identifiers: fc.dictionary(
        fc.constantFrom('email', 'device_id', 'phone'),
        fc.oneof(hostileText, fc.integer()),
      ),
      eventId: hostileText,
    })
    .map((fields) => Buffer.from(JSON_EVENT(fields))),
  hostileText.map((t) => Buffer.from(t, 'utf8')),
  fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b)),
  fc.constantFrom(
    Buffer.from('\ufeff'),
    Buffer.from([0xef, 0xbb]),
    Buffer.from('\r'),
    Buffer.from([0, 0, 0xff]),
  ),
  fc.integer({ min: 100, max: 400 }).map((n) => Buffer.alloc(n, '{')),
)

describe('the NDJSON reader, parser and resolver on hostile lines', () => {
  it(
    'every non-blank line ends as exactly one outcome or one dead letter, at its line number',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(lineBytes, fc.constantFrom('\n', '\r\n')), { maxLength: 12 }),
          fc.array(fc.nat(), { maxLength: 6 }),
          async (lines, cuts) => {
            const bytes = Buffer.concat(lines.flatMap(([b, end]) => [b, Buffer.from(end)]))
            const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
            const chunks = [0, ...at].map((start, i) =>
              bytes.subarray(start, [...at, bytes.length][i]),
            )
            async function* input() {
              yield* chunks
            }
            const cap = 128
            const seen: number[] = []
            const bad: BadLine[] = []
            const store = new MemoryStore()
            await resolveNdjson({
              config,
              source: linesOf(input(), bytes.length, { maxLineBytes: cap }),
              store,
              codec: msgpackCodec<StateRecord>(),
              prefetch: false,
              flushEvery: 4,
              onOutput: () => undefined,
              onOutcome: (line) => {
                seen.push(line)
              },
              onBadLine: (b) => {
                seen.push(b.line)
                bad.push(b)
              },
            })
            // The model: the whole input split on LF at once (a lone CR stays in its line).
            const expected: number[] = []
            let start = bytes.subarray(0, 3).equals(Buffer.from('\ufeff')) ? 3 : 0
            for (let number = 1; start < bytes.length; number++) {
              const lf = bytes.indexOf(0x0a, start)
              let line = bytes.subarray(start, lf === -1 ? bytes.length : lf)
              start = lf === -1 ? bytes.length : lf + 1
              if (line.at(-1) === 0x0d) line = line.subarray(0, -1)
              if (line.length > cap || line.toString('utf8').trim() !== '') expected.push(number)
            }
            expect(seen).toEqual(expected)
            for (const b of bad)
              expect(
                b.line > 0 && ['line-too-long', 'undecodable', 'invalid-event'].includes(b.reason),
              ).toBe(true)
            for (const b of bad.filter((x) => x.reason === 'line-too-long'))
              expect(b.detail).toMatch(/over the 128-byte cap/)
          },
        ),
        fcParams(300),
      )
    },
    PROPERTY_TIMEOUT_MS,
  )
})
