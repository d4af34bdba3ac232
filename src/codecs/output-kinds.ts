/**
 * Everything that depends on an output record's kind, one row per kind: the topic it goes to,
 * its Avro key and value, the `unifier resolve` NDJSON file and line, and the batch resolver's
 * counter. A new kind is a member of the OutputRecord union (src/core/types.ts), its schema
 * (schemas/, src/topology/roles.ts) and one row here; the compiler asks for the row.
 */
import type { ContactEvent, OutputRecord } from '../core/types.js'
import type { InputRecord } from '../ports/input-record.js'
import type { TopicRole } from '../topology/roles.js'

export type OutputKind = OutputRecord['kind']
export type OutputOfKind<K extends OutputKind> = Extract<OutputRecord, { kind: K }>

/** The batch resolver's counters that count output records (src/runtime/batch-resolver.ts). */
export type OutputStat = 'merges' | 'reassignments' | 'refusals' | 'deletions'

/** Avro key and value objects for the kind's topic. A null value is a tombstone. */
export interface AvroKeyValue {
  readonly key: object | null
  readonly value: object | null
}

export interface OutputKindRow<K extends OutputKind> {
  readonly role: TopicRole
  /** The Avro shapes mirror the core's records: the `kind` tag goes (the topic carries it). */
  readonly avro: (record: OutputOfKind<K>, input: InputRecord) => AvroKeyValue
  /** The file `unifier resolve` writes records of this kind to (docs/cli.md). */
  readonly file: string
  /** One line of that file: the record with the input line number it came from. */
  readonly line: (record: OutputOfKind<K>, line: number, event: ContactEvent) => object
  readonly stat: OutputStat | null
}

/** What the dead-letter topic carries: the reason, and the input record to repair and replay. */
export interface DeadLetterAvro {
  readonly reason: string
  readonly detail: string
  readonly tenant: string | null
  readonly eventId: string | null
  readonly sourceTopic: string
  readonly sourcePartition: number
  readonly sourceOffset: number
  readonly sourceTimestamp: number
  readonly originalKey: Buffer | null
  readonly originalValue: Buffer | null
}

/** The record without its `kind` tag. */
function untagged<R extends { readonly kind: string }>(record: R): Omit<R, 'kind'> {
  const { kind: _kind, ...rest } = record
  return rest
}

/** Identity events (merged, reassigned, deleted, merge-refused): keyed by tenant, as they are. */
function tenantKeyed(record: OutputRecord & { readonly tenant: string }): AvroKeyValue {
  return { key: { tenant: record.tenant }, value: untagged(record) }
}

export const OUTPUT_KINDS: { readonly [K in OutputKind]: OutputKindRow<K> } = {
  profile: {
    role: 'profile-changelog',
    avro: (r) => ({ key: { tenant: r.tenant, profileId: r.profileId }, value: r.profile }),
    file: 'changelog.ndjson',
    line: (r, line, event) => ({ line, eventId: event.eventId, ...untagged(r) }),
    stat: null,
  },
  merged: {
    role: 'profile-merged',
    avro: tenantKeyed,
    file: 'merges.ndjson',
    line: (r, line) => ({ line, ...untagged(r) }),
    stat: 'merges',
  },
  reassigned: {
    role: 'link-reassigned',
    avro: tenantKeyed,
    file: 'reassignments.ndjson',
    line: (r, line) => ({ line, ...untagged(r) }),
    stat: 'reassignments',
  },
  deleted: {
    role: 'profile-deleted',
    avro: tenantKeyed,
    file: 'deletions.ndjson',
    line: (r, line) => ({ line, ...untagged(r) }),
    stat: 'deletions',
  },
  'merge-refused': {
    role: 'merge-refused',
    avro: tenantKeyed,
    file: 'refused.ndjson',
    line: (r, line) => ({ line, ...untagged(r) }),
    stat: 'refusals',
  },
  'dead-letter': {
    role: 'dead-letter',
    avro: (r, input) => {
      const value: DeadLetterAvro = {
        reason: r.reason,
        detail: r.detail,
        tenant: r.tenant,
        eventId: r.eventId,
        sourceTopic: input.topic,
        sourcePartition: input.partition,
        sourceOffset: Number(input.offset),
        sourceTimestamp: input.timestamp,
        originalKey: input.key,
        originalValue: input.value,
      }
      return { key: r.tenant === null ? null : { tenant: r.tenant }, value }
    },
    file: 'dead-letter.ndjson',
    line: (r, line) => ({
      line,
      eventId: r.eventId,
      tenant: r.tenant,
      reason: r.reason,
      detail: r.detail,
    }),
    // counted by outcome status (dead-lettered), which also covers events without a record
    stat: null,
  },
}

/** The row of a record's kind, typed for that record. */
export function outputKindOf<K extends OutputKind>(record: OutputOfKind<K>): OutputKindRow<K> {
  return OUTPUT_KINDS[record.kind as K]
}
