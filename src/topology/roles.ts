/**
 * The topics the processor knows by role. The topology file names and sizes them; the role
 * fixes what they carry, so the key/value schemas are a code contract, not configuration.
 */
export const TOPIC_ROLES = [
  'contact-events',
  'profile-changelog',
  'profile-merged',
  'link-reassigned',
  'profile-deleted',
  'merge-refused',
  'dead-letter',
  'state-changelog',
] as const

export type TopicRole = (typeof TOPIC_ROLES)[number]

/** Schema file names in schemas/ (without .avsc). */
export type SchemaName =
  | 'TenantKey'
  | 'ProfileKey'
  | 'ContactEvent'
  | 'ProfileSnapshot'
  | 'ProfileMerged'
  | 'LinkReassigned'
  | 'ProfileDeleted'
  | 'MergeRefused'
  | 'DeadLetter'

export interface TopicSchemas {
  readonly key: SchemaName
  readonly value: SchemaName
}

/**
 * Avro schemas per role. The state changelog has none: it holds the store's own bytes and is
 * read only by the processor restoring its RocksDB store.
 */
export const ROLE_SCHEMAS: Readonly<Record<TopicRole, TopicSchemas | null>> = {
  'contact-events': { key: 'TenantKey', value: 'ContactEvent' },
  'profile-changelog': { key: 'ProfileKey', value: 'ProfileSnapshot' },
  'profile-merged': { key: 'TenantKey', value: 'ProfileMerged' },
  'link-reassigned': { key: 'TenantKey', value: 'LinkReassigned' },
  'profile-deleted': { key: 'TenantKey', value: 'ProfileDeleted' },
  'merge-refused': { key: 'TenantKey', value: 'MergeRefused' },
  'dead-letter': { key: 'TenantKey', value: 'DeadLetter' },
  'state-changelog': null,
}

/** TopicNameStrategy: the registry subject for a topic's keys or values. */
export function subjectFor(topic: string, part: 'key' | 'value'): string {
  return `${topic}-${part}`
}
