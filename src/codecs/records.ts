import type { InputRecord } from '../ports/input-record.js'
import type {
  AttributeProvenance,
  AttributeValue,
  ContactEvent,
  DeadLetterReason,
  EventType,
  Identifier,
  OutputRecord,
  ProfileSnapshot,
  RawAttributeValue,
  TimelineEntry,
} from '../core/types.js'
import type { TopicRole } from '../topology/roles.js'
import { DecodeError } from './errors.js'
import { outputKindOf, type DeadLetterAvro } from './output-kinds.js'

/**
 * Between the core's records and the Avro records in schemas/. The shapes are kept the same on
 * purpose; these functions add what the Avro side needs (keys, dead-letter provenance), drop the
 * `kind` tag (the topic carries it) and build plain objects from avsc's decoded instances.
 */

/** An output record as Avro key and value objects for its topic. A null value is a tombstone. */
export interface AvroMessage {
  readonly role: TopicRole
  readonly key: object | null
  readonly value: object | null
}

/** The topic and Avro shapes of each kind are rows of src/codecs/output-kinds.ts. */
export function outputToAvro(record: OutputRecord, input: InputRecord): AvroMessage {
  const row = outputKindOf(record)
  const { key, value } = row.avro(record, input)
  return { role: row.role, key, value }
}

// ---- decoded Avro → plain core records ----------------------------------------------------

type Obj = Record<string, unknown>

function identifier(raw: unknown): Identifier {
  const r = raw as Obj
  return { type: r.type as string, value: r.value as string }
}

function nullableIdentifier(raw: unknown): Identifier | null {
  return raw === null || raw === undefined ? null : identifier(raw)
}

// fromEntries defines own properties: a field named "__proto__" stays a field, not a prototype.
function plainMap<T>(raw: unknown, each: (v: unknown) => T): Record<string, T> {
  return Object.fromEntries(Object.entries(raw as Obj).map(([k, v]) => [k, each(v)]))
}

export function contactEventFromAvro(raw: unknown): ContactEvent {
  const r = raw as Obj
  return {
    eventId: r.eventId as string,
    tenant: r.tenant as string,
    type: r.type as EventType,
    source: r.source as string,
    timestamp: r.timestamp as number,
    identifiers: (r.identifiers as unknown[]).map(identifier),
    attributes: plainMap(r.attributes, (v) => v as RawAttributeValue),
    note: (r.note as string | null) ?? null,
  }
}

export function profileSnapshotFromAvro(raw: unknown): ProfileSnapshot {
  const r = raw as Obj
  return {
    tenant: r.tenant as string,
    profileId: r.profileId as string,
    anchor: nullableIdentifier(r.anchor),
    identifiers: (r.identifiers as unknown[]).map(identifier),
    channels: [...(r.channels as string[])],
    attributes: plainMap(r.attributes, (v) => v as AttributeValue),
    provenance: plainMap(r.provenance, (v): AttributeProvenance => {
      const p = v as Obj
      return {
        source: p.source as string,
        timestamp: p.timestamp as number,
        eventId: p.eventId as string,
        sequence: p.sequence as number,
      }
    }),
    timeline: (r.timeline as unknown[]).map((v): TimelineEntry => {
      const t = v as Obj
      return {
        eventId: t.eventId as string,
        timestamp: t.timestamp as number,
        source: t.source as string,
        note: t.note as string,
      }
    }),
    mergedFrom: [...(r.mergedFrom as string[])],
    createdAt: r.createdAt as number,
    updatedAt: r.updatedAt as number,
  }
}

const DEAD_LETTER_REASONS: readonly DeadLetterReason[] = [
  'no-identifiers',
  'conflicting-anchors',
  'invalid-event',
  'undecodable',
  'unknown-schema',
  'processing-failed',
  'output-too-large',
  'line-too-long',
]

export interface DecodedDeadLetter {
  readonly record: Extract<OutputRecord, { kind: 'dead-letter' }>
  readonly input: InputRecord
}

export function deadLetterFromAvro(raw: unknown): DecodedDeadLetter {
  const r = raw as unknown as DeadLetterAvro
  const reason = DEAD_LETTER_REASONS.find((known) => known === r.reason)
  if (reason === undefined) {
    throw new DecodeError('undecodable', `dead letter with unknown reason "${r.reason}"`)
  }
  return {
    record: {
      kind: 'dead-letter',
      tenant: r.tenant,
      eventId: r.eventId,
      reason,
      detail: r.detail,
    },
    input: {
      topic: r.sourceTopic,
      partition: r.sourcePartition,
      offset: String(r.sourceOffset),
      timestamp: r.sourceTimestamp,
      key: r.originalKey,
      value: r.originalValue,
    },
  }
}

/**
 * Rebuilds the core's output record from a decoded key and value of a role's topic (tools,
 * downstream readers, tests). Dead letters need `deadLetterFromAvro` for their provenance.
 */
export function outputFromAvro(
  role: Exclude<TopicRole, 'contact-events' | 'state-changelog' | 'dead-letter'>,
  key: unknown,
  value: unknown,
): OutputRecord {
  const k = key as Obj
  const v = value as Obj
  switch (role) {
    case 'profile-changelog':
      return {
        kind: 'profile',
        tenant: k.tenant as string,
        profileId: k.profileId as string,
        profile: value === null ? null : profileSnapshotFromAvro(value),
      }
    case 'profile-merged':
      return {
        kind: 'merged',
        tenant: v.tenant as string,
        survivor: v.survivor as string,
        merged: v.merged as string,
        via: nullableIdentifier(v.via),
        eventId: v.eventId as string,
        timestamp: v.timestamp as number,
      }
    case 'link-reassigned':
      return {
        kind: 'reassigned',
        tenant: v.tenant as string,
        link: identifier(v.link),
        from: v.from as string,
        to: v.to as string,
        eventId: v.eventId as string,
        timestamp: v.timestamp as number,
      }
    case 'profile-deleted':
      return {
        kind: 'deleted',
        tenant: v.tenant as string,
        profileId: v.profileId as string,
        suppressed: v.suppressed as boolean,
        eventId: v.eventId as string,
        timestamp: v.timestamp as number,
      }
    case 'merge-refused':
      return {
        kind: 'merge-refused',
        tenant: v.tenant as string,
        target: v.target as string,
        refused: v.refused as string,
        limitType: v.limitType as string,
        via: nullableIdentifier(v.via),
        eventId: v.eventId as string,
        timestamp: v.timestamp as number,
      }
  }
}
