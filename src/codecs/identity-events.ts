import type { OutputRecord } from '../core/types.js'
import { ROLE_SCHEMAS } from '../topology/roles.js'
import { outputFromAvro } from './records.js'
import type { AvroSchemaRegistry } from './registry.js'
import type { SchemaSet } from './schemas.js'

/** The topics that carry a profile's history, by role. */
export type IdentityEventRole = 'profile-merged' | 'link-reassigned' | 'merge-refused'

export type IdentityEventRecord = Extract<
  OutputRecord,
  { kind: 'merged' | 'reassigned' | 'merge-refused' }
>

/**
 * Decodes a value of an identity-event topic (Confluent wire format, any schema the registry
 * knows) into the core's record: what a reader of those topics needs without registering
 * anything (the Profile API's history index in Kafka mode). Throws DecodeError for bytes that
 * do not decode, a retriable SchemaRegistryError while the registry is unreachable.
 */
export function identityEventDecoder(
  registry: AvroSchemaRegistry,
  schemas: SchemaSet,
): (role: IdentityEventRole, value: Uint8Array) => Promise<IdentityEventRecord> {
  return async (role, value) => {
    const name = (ROLE_SCHEMAS[role] as NonNullable<(typeof ROLE_SCHEMAS)[typeof role]>).value
    const reader = schemas.get(name)
    if (reader === undefined) throw new Error(`schema ${name} was not loaded`)
    const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength)
    const decoded = await registry.decode(bytes, reader)
    // outputFromAvro builds the role's kind: merged, reassigned or merge-refused here
    return outputFromAvro(role, null, decoded) as IdentityEventRecord
  }
}
