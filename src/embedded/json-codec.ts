import { DecodeError } from '../codecs/errors.js'
import { outputToAvro } from '../codecs/records.js'
import type { InputRecord } from '../ports/input-record.js'
import type { EncodedMessage } from '../codecs/topic-codec.js'
import type { ContactEvent, OutputRecord } from '../core/types.js'
import { parseEventLine } from '../codecs/event-line.js'
import { InvalidInputError } from '../runtime/invalid-input.js'
import type { TaskCodec } from '../runtime/task.js'
import type { TopicRole } from '../topology/roles.js'

const json = (value: unknown): Buffer =>
  Buffer.from(
    JSON.stringify(value, (_key, v: unknown) =>
      // Dead letters carry the original bytes: keep them readable as base64.
      v !== null && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer'
        ? Buffer.from((v as { data: number[] }).data).toString('base64')
        : v,
    ),
  )

/**
 * The embedded log's codec: input records are NDJSON event lines (as `unifier resolve` reads
 * them), outputs are JSON of the same records the Avro topics carry. Topics are named by role.
 * Synchronous: nothing here waits, so the task decides its records without a promise each.
 */
export const embeddedCodec: TaskCodec = {
  topicName: (role: TopicRole) => role,
  tenantKey: async (tenant: string) => Buffer.from(tenant, 'utf8'),
  decodeContactEvent(value: Buffer | null): ContactEvent {
    if (value === null) throw new DecodeError('undecodable', 'the record has no value')
    const parsed = parseEventLine(value.toString('utf8'))
    if (parsed.ok) return parsed.event
    if (parsed.reason === 'undecodable') throw new DecodeError('undecodable', parsed.detail)
    throw new InvalidInputError(parsed.reason, parsed.detail, parsed.tenant, parsed.eventId)
  },
  encodeOutput(record: OutputRecord, input: InputRecord): EncodedMessage {
    const message = outputToAvro(record, input)
    return {
      topic: message.role,
      key: message.key === null ? null : json(message.key),
      value: message.value === null ? null : json(message.value),
    }
  },
}
