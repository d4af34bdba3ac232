import {
  COMPATIBILITY as LEVELS,
  SchemaRegistry,
  SchemaType,
} from '@kafkajs/confluent-schema-registry'
import avro from 'avsc'
import { fitsWithin } from './bounded-scan.js'
import { DecodeError, SchemaRegistryError } from './errors.js'
import {
  bodyMessage,
  enc,
  httpFailure,
  messageOf,
  registryFailure,
  registryMessage,
  RegistryHttp,
  statusOf,
  type HttpResult,
} from './registry-http.js'
import { AVRO_OPTIONS, type LoadedSchema } from './schemas.js'
import { HEADER_BYTES, MAGIC_BYTE, readWireHeader } from './wire.js'

/**
 * Avro through a Confluent-compatible schema registry (Confluent, or Apicurio's ccompat API).
 * @kafkajs/confluent-schema-registry does registration, the id → schema cache and the wire
 * format; this class adds what a stream processor needs around it: subject compatibility kept at
 * BACKWARD, typed errors (bad bytes are dead-lettered, an unreachable registry is retried), and
 * decoding into our own reader schema so that records from newer or older writers still read.
 */

export const COMPATIBILITY = 'BACKWARD'

export interface RegistryClientOptions {
  /** Base URL of the Confluent-compatible API, e.g. http://127.0.0.1:8081/apis/ccompat/v7. */
  readonly url: string
  readonly clientId?: string
  /** Retries of the underlying client for network errors and 5xx; 3 by default. */
  readonly retries?: number
}

export type SubjectStatus = 'registered' | 'unchanged' | 'would-register'

export interface SubjectResult {
  readonly subject: string
  readonly status: SubjectStatus
  /** The schema's registry id; null when a dry run would register it. */
  readonly id: number | null
  /** The subject's compatibility before we set it (null: not set); always BACKWARD after. */
  readonly compatibilityBefore: string | null
}

/** A writer schema and its resolver into one reader schema. */
interface ResolvedWriter {
  readonly resolver: avro.Resolver
  readonly writer: avro.Type
}

/** The body of a wire-format record, read with `reader` from the writer `resolved` names. */
function decodeBody(
  { resolver, writer }: ResolvedWriter,
  schemaId: number,
  body: Buffer,
  reader: LoadedSchema,
): unknown {
  if (!fitsWithin(writer, body)) {
    throw new DecodeError(
      'undecodable',
      `the body does not decode with schema ${schemaId}: a length or count runs past its ${body.length} bytes`,
    )
  }
  try {
    return reader.type.fromBuffer(body, resolver)
  } catch (err) {
    throw new DecodeError(
      'undecodable',
      `the body does not decode with schema ${schemaId}: ${messageOf(err)}`,
      { cause: err },
    )
  }
}

export class AvroSchemaRegistry {
  private readonly client: SchemaRegistry
  private readonly rest: RegistryHttp
  // Resolving writer → reader is costly; a record stream reuses a handful of (id, reader) pairs.
  // Reader name → writer id → resolver: no key string built per record.
  private readonly resolvers = new Map<string, Map<number, ResolvedWriter>>()
  private readonly writers = new Map<number, avro.Type>()
  /** Writer schemas given by `remember`, consulted before the registry. */
  private readonly known = new Map<number, avro.Type>()
  private readonly scratch = new WireEncoder()

  constructor(options: RegistryClientOptions) {
    const url = options.url.replace(/\/+$/, '')
    this.rest = new RegistryHttp(url)
    this.client = new SchemaRegistry(
      {
        host: url,
        clientId: options.clientId ?? 'profile-unifier',
        retry: { retries: options.retries ?? 3 },
      },
      { [SchemaType.AVRO]: { ...AVRO_OPTIONS } },
    )
  }

  /**
   * Makes `schema` a registered version of `subject` with BACKWARD compatibility. Idempotent: a
   * schema already registered under the subject reports 'unchanged'. An incompatible schema is
   * refused with the subject and the registry's reasons in the message.
   */
  async ensureSubject(
    subject: string,
    schema: LoadedSchema,
    options: { dryRun?: boolean } = {},
  ): Promise<SubjectResult> {
    const compatibilityBefore = await this.subjectCompatibility(subject)
    const existingId = await this.lookup(subject, schema)
    if (existingId !== null) {
      if (!options.dryRun && compatibilityBefore !== COMPATIBILITY) {
        await this.setCompatibility(subject)
      }
      return { subject, status: 'unchanged', id: existingId, compatibilityBefore }
    }
    if (options.dryRun) {
      const problems = await this.compatibilityProblems(subject, schema)
      if (problems !== null) throw incompatible(subject, schema, problems)
      return { subject, status: 'would-register', id: null, compatibilityBefore }
    }
    // Set the rule first so the registry itself enforces it on this very registration.
    if (compatibilityBefore !== COMPATIBILITY) await this.setCompatibility(subject)
    let id: number
    try {
      const registered = await this.client.register(
        { type: SchemaType.AVRO, schema: schema.text },
        { subject, compatibility: LEVELS.BACKWARD },
      )
      id = registered.id
    } catch (err) {
      const status = statusOf(err)
      if (status === 409) {
        const problems = await this.explain(subject, schema, registryMessage(err))
        throw incompatible(subject, schema, problems, err)
      }
      if (status === 422) {
        throw new SchemaRegistryError(
          'invalid-schema',
          `the registry refused ${schema.name} for subject ${subject} as invalid: ${messageOf(err)}`,
          subject,
          { cause: err },
        )
      }
      throw registryFailure(`registering ${schema.name} under ${subject}`, err, subject)
    }
    // A registry that kept no rule for a subject that did not exist yet (the PUT above answered
    // 404) gets it now that the subject does.
    if ((await this.subjectCompatibility(subject)) !== COMPATIBILITY) {
      await this.setCompatibility(subject)
    }
    return { subject, status: 'registered', id, compatibilityBefore }
  }

  /** The id of `schema` under `subject`, or null when that exact schema is not registered there. */
  async lookup(subject: string, schema: LoadedSchema): Promise<number | null> {
    const res = await this.http('POST', `/subjects/${enc(subject)}`, { schema: schema.text })
    if (res.status === 404) return null
    if (res.status !== 200) throw httpFailure(`looking up ${schema.name} in ${subject}`, res)
    return (res.body as { id: number }).id
  }

  /**
   * Makes `schema` the writer schema of `schemaId` without asking the registry: for an offline
   * stand-in (tests, fuzzing the decode path) and fixtures. Encoding and decoding with that id
   * then never reach the network.
   */
  remember(schemaId: number, schema: LoadedSchema): void {
    this.known.set(schemaId, schema.type)
    this.writers.set(schemaId, schema.type)
  }

  /**
   * Encodes in the Confluent wire format with the registered schema `schemaId`. After the first
   * record of an id its type is cached here and records are written straight into a scratch
   * buffer after the 5-byte header: the client's own path costs a promise, a cache lookup and a
   * three-buffer concat per record, which a processor writing several records per event felt.
   */
  async encode(schemaId: number, value: unknown): Promise<Buffer> {
    const type = this.writers.get(schemaId)
    if (type !== undefined) return this.encodeWith(type, schemaId, value)
    let encoded: Buffer
    try {
      encoded = await this.client.encode(schemaId, value)
    } catch (err) {
      if (statusOf(err) !== null) throw registryFailure(`fetching schema ${schemaId}`, err, null)
      throw invalidRecord(schemaId, (err as { paths?: string[][] }).paths ?? [], err)
    }
    const writer = await this.client.getSchema(schemaId)
    if (avro.Type.isType(writer)) this.writers.set(schemaId, writer as avro.Type)
    return encoded
  }

  /**
   * `encode` without a promise once schema `schemaId` is cached (after its first record): the
   * bytes, or null when the schema must be fetched first (then call `encode`). Throws what
   * `encode` rejects with for a value the schema does not accept.
   */
  encodeIfCached(schemaId: number, value: unknown): Buffer | null {
    const type = this.writers.get(schemaId)
    return type === undefined ? null : this.encodeWith(type, schemaId, value)
  }

  private encodeWith(type: avro.Type, schemaId: number, value: unknown): Buffer {
    try {
      return this.scratch.encode(type, schemaId, value)
    } catch (err) {
      const paths: string[][] = []
      type.isValid(value, { errorHook: (path) => paths.push(path) })
      throw invalidRecord(schemaId, paths, err)
    }
  }

  /**
   * Decodes wire-format bytes into `reader`'s shape, resolving from whatever schema wrote them.
   * Bad bytes throw DecodeError ('undecodable' | 'unknown-schema'); an unreachable registry
   * throws a retriable SchemaRegistryError instead, so a registry outage never dead-letters.
   */
  async decode(bytes: Buffer, reader: LoadedSchema): Promise<unknown> {
    const { schemaId, body } = readWireHeader(bytes)
    return decodeBody(await this.resolverFor(schemaId, reader), schemaId, body, reader)
  }

  /**
   * `decode` without a promise when the writer schema of the bytes is already resolved against
   * `reader` (every record after the first of a schema): the decoded value, or undefined when
   * the schema must be fetched first (then call `decode`). Throws what `decode` rejects with.
   */
  decodeIfCached(bytes: Buffer, reader: LoadedSchema): unknown {
    const { schemaId, body } = readWireHeader(bytes)
    const resolved = this.resolvers.get(reader.name)?.get(schemaId)
    return resolved === undefined ? undefined : decodeBody(resolved, schemaId, body, reader)
  }

  private async resolverFor(schemaId: number, reader: LoadedSchema): Promise<ResolvedWriter> {
    let byWriter = this.resolvers.get(reader.name)
    const cached = byWriter?.get(schemaId)
    if (cached) return cached
    let writer: unknown = this.known.get(schemaId)
    if (writer === undefined) writer = await this.fetchWriter(schemaId)
    if (!avro.Type.isType(writer)) {
      throw new DecodeError('undecodable', `schema ${schemaId} is not an Avro schema`)
    }
    const writerType = writer as avro.Type
    let resolver: avro.Resolver
    try {
      resolver = reader.type.createResolver(writerType)
    } catch (err) {
      throw new DecodeError(
        'undecodable',
        `records written with schema ${schemaId} (${writerType.name ?? writerType.typeName}) cannot be read as ${reader.name}: ${messageOf(err)}`,
        { cause: err },
      )
    }
    const resolved = { resolver, writer: writerType }
    if (byWriter === undefined) {
      byWriter = new Map()
      this.resolvers.set(reader.name, byWriter)
    }
    byWriter.set(schemaId, resolved)
    return resolved
  }

  /** The writer schema of `schemaId` from the registry, with its failures typed (a stand-in overrides it). */
  protected async fetchWriter(schemaId: number): Promise<unknown> {
    try {
      return await this.client.getSchema(schemaId)
    } catch (err) {
      if (statusOf(err) === 404) {
        throw new DecodeError('unknown-schema', `schema id ${schemaId} is not in the registry`, {
          cause: err,
        })
      }
      if (statusOf(err) === null) {
        // The registry answered with a schema the client cannot parse (not Avro, or broken).
        throw new DecodeError('undecodable', `schema ${schemaId} is unusable: ${messageOf(err)}`, {
          cause: err,
        })
      }
      throw registryFailure(`fetching schema ${schemaId}`, err, null)
    }
  }

  /** The subject's own compatibility level, or null when it has none (or does not exist). */
  async subjectCompatibility(subject: string): Promise<string | null> {
    const res = await this.http('GET', `/config/${enc(subject)}`)
    if (res.status === 404) return null
    if (res.status !== 200) throw httpFailure(`reading compatibility of ${subject}`, res)
    const body = res.body as { compatibilityLevel?: string; compatibility?: string }
    return (body.compatibilityLevel ?? body.compatibility ?? null)?.toUpperCase() ?? null
  }

  private async setCompatibility(subject: string): Promise<void> {
    const res = await this.http('PUT', `/config/${enc(subject)}`, { compatibility: COMPATIBILITY })
    // A registry that keeps no rule for a subject that does not exist yet answers 404; the
    // caller sets it again once the first version is in.
    if (res.status === 404) return
    if (res.status !== 200) throw httpFailure(`setting ${subject} to ${COMPATIBILITY}`, res)
  }

  /** Why `schema` cannot follow the subject's latest version; null when it can (or is first). */
  private async compatibilityProblems(
    subject: string,
    schema: LoadedSchema,
  ): Promise<string[] | null> {
    const res = await this.http(
      'POST',
      `/compatibility/subjects/${enc(subject)}/versions/latest?verbose=true`,
      { schema: schema.text },
    )
    if (res.status === 404) return null
    if (res.status === 409 || res.status === 422) {
      return this.explain(subject, schema, bodyMessage(res.body))
    }
    if (res.status !== 200) throw httpFailure(`checking ${schema.name} against ${subject}`, res)
    const body = res.body as { is_compatible?: boolean; messages?: string[] }
    if (body.is_compatible !== false) return null
    return body.messages && body.messages.length > 0
      ? body.messages
      : this.explain(subject, schema, null)
  }

  /**
   * Registries differ in how much they say (Apicurio gives a diff count, no reasons), so we also
   * try the BACKWARD rule ourselves: can the new schema read data written with the latest one?
   */
  private async explain(
    subject: string,
    schema: LoadedSchema,
    registryMessage: string | null,
  ): Promise<string[]> {
    const problems: string[] = []
    if (registryMessage) problems.push(`registry says: ${registryMessage}`)
    const local = await this.readProblem(subject, schema).catch(() => null)
    if (local) problems.push(local)
    return problems.length > 0 ? problems : ['the registry gives no details']
  }

  private async readProblem(subject: string, schema: LoadedSchema): Promise<string | null> {
    const res = await this.http('GET', `/subjects/${enc(subject)}/versions/latest`)
    if (res.status !== 200) return null
    const latest = res.body as { schema: string; version: number }
    const latestType = avro.Type.forSchema(JSON.parse(latest.schema) as avro.Schema, {
      ...AVRO_OPTIONS,
    })
    try {
      schema.type.createResolver(latestType)
      return null
    } catch (err) {
      return `data written with version ${latest.version} cannot be read with the new schema: ${messageOf(err)}`
    }
  }

  /** Deletes a subject for good (soft, then permanent): test cleanup and tooling. */
  async deleteSubject(subject: string): Promise<void> {
    for (const path of [`/subjects/${enc(subject)}`, `/subjects/${enc(subject)}?permanent=true`]) {
      const res = await this.http('DELETE', path)
      if (res.status !== 200 && res.status !== 404) throw httpFailure(`deleting ${subject}`, res)
    }
  }

  private http(method: string, path: string, body?: unknown): Promise<HttpResult> {
    return this.rest.request(method, path, body)
  }

  /** Subject names; tests use it to find what they created. */
  async subjects(): Promise<string[]> {
    const res = await this.http('GET', '/subjects')
    if (res.status !== 200) throw httpFailure('listing subjects', res)
    return res.body as string[]
  }
}

function incompatible(
  subject: string,
  schema: LoadedSchema,
  problems: readonly string[],
  cause?: unknown,
): SchemaRegistryError {
  return new SchemaRegistryError(
    'incompatible-schema',
    `schema ${schema.name} is not ${COMPATIBILITY}-compatible with the latest version of subject ${subject}:\n` +
      problems.map((p) => `  - ${p}`).join('\n') +
      '\n(BACKWARD: consumers on the new schema must read all existing data; add fields only with defaults, remove only fields that had defaults)',
    subject,
    { cause },
  )
}

/** A value the writer schema rejects, with the paths of the offending fields. */
function invalidRecord(schemaId: number, paths: readonly string[][], err: unknown) {
  const where = paths.length > 0 ? ` at ${paths.map((p) => p.join('.')).join(', ')}` : ''
  return new SchemaRegistryError(
    'invalid-record',
    `record does not match schema ${schemaId}${where}: ${messageOf(err)}`,
    null,
    { cause: err },
  )
}

/**
 * Writes records in the Confluent wire format through one reusable scratch buffer (64 KiB at
 * first, grown to fit the largest record seen). avsc's `Type.encode(value, buf, pos)` does not
 * throw on a short buffer: it returns minus the number of bytes still missing, so the size that
 * fits is the buffer's length plus that count; the buffer grows to at least that (and at least
 * doubles, so a stream of growing records reallocates a logarithmic number of times).
 */
export class WireEncoder {
  private scratch: Buffer

  constructor(initialBytes = 64 * 1024) {
    this.scratch = Buffer.alloc(Math.max(initialBytes, HEADER_BYTES + 1))
  }

  /** The scratch buffer's current size (for tests and metrics). */
  get capacity(): number {
    return this.scratch.length
  }

  /** Throws what avsc throws for a value that does not match `type`. */
  encode(type: avro.Type, schemaId: number, value: unknown): Buffer {
    let end = type.encode(value, this.scratch, HEADER_BYTES)
    if (end < 0) {
      const needed = this.scratch.length - end
      this.scratch = Buffer.alloc(Math.max(2 * this.scratch.length, needed + 1024))
      end = type.encode(value, this.scratch, HEADER_BYTES)
      if (end < 0) {
        // Cannot happen with a buffer of the size avsc asked for; never copy a negative length.
        throw new RangeError(`avsc still lacks ${-end} bytes after growing to ${needed}`)
      }
    }
    const out = Buffer.allocUnsafe(end)
    this.scratch.copy(out, 0, 0, end)
    out[0] = MAGIC_BYTE
    out.writeInt32BE(schemaId, 1)
    return out
  }
}
