/**
 * The typed identity config the core receives. src/config/identity-config.ts reads and
 * validates the YAML/JSON file and produces this shape; the core never reads files.
 */

export type IdentifierRole = 'anchor' | 'link'

export type NormalizerName = 'email' | 'phone' | 'lowercase' | 'trim' | 'none'

export type AttributeType = 'string' | 'number' | 'datetime' | 'boolean'

export interface IdentifierTypeConfig {
  readonly role: IdentifierRole
  readonly normalize: NormalizerName
  /** ISO 3166 alpha-2 country for national phone numbers; only with normalize: phone. */
  readonly defaultCountry: string | null
  /** Most distinct values of this type on one profile; null = unlimited. Anchors: always 1. */
  readonly limit: number | null
  /** Lower is stronger. Anchors outrank every link whatever this says. */
  readonly priority: number
  /** Exact values, compared case-insensitively before and after normalisation. */
  readonly blocked: readonly string[]
  /** Regular expression sources, matched case-insensitively against the raw and normalised value. */
  readonly blockedPatterns: readonly string[]
  /**
   * Longest value kept, in characters after normalisation; longer values are dropped
   * `too-long`. Omitted: DEFAULT_IDENTIFIER_MAX_LENGTH.
   */
  readonly maxLength?: number
}

export interface TenantIdentityConfig {
  readonly identifiers: Readonly<Record<string, IdentifierTypeConfig>>
  readonly attributes: Readonly<Record<string, AttributeType>>
  /** Strongest first; sources not listed rank after every listed one, equal to each other. */
  readonly sourcePriority: readonly string[]
  readonly timelineCap: number
  readonly suppressForgotten: boolean
  /** The built-in deny-list (see docs/resolution-rules.md); on unless a tenant opts out. */
  readonly useDefaultDenyList: boolean
  /** How many recent eventIds per tenant are remembered for idempotence (bounded memory). */
  readonly idempotenceWindow: number
  /** Longest string attribute value kept (characters); longer ones are dropped `too-long`. */
  readonly maxAttributeLength?: number
  /** Longest note kept on the timeline (characters); longer notes are truncated. */
  readonly maxNoteLength?: number
}

export interface IdentityConfig {
  /** The effective config of tenants named in the file ("*" already merged in). */
  readonly tenants: Readonly<Record<string, TenantIdentityConfig>>
  /** The "*" section on its own: used for tenants not named. null = unnamed tenants are refused. */
  readonly defaults: TenantIdentityConfig | null
}

export const DEFAULT_TIMELINE_CAP = 100
export const DEFAULT_IDEMPOTENCE_WINDOW = 100_000
export const DEFAULT_IDENTIFIER_MAX_LENGTH = 256
export const DEFAULT_MAX_ATTRIBUTE_LENGTH = 4096
export const DEFAULT_MAX_NOTE_LENGTH = 16 * 1024
