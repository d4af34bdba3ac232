/**
 * The shape of an identity config file, as written: every field optional per section, because a
 * named tenant only overrides what it changes in "*". Completeness and cross-field rules are
 * checked after merging (identity-config-rules.ts).
 */
import { z } from 'zod'

export const ATTRIBUTE_TYPES = ['string', 'number', 'datetime', 'boolean'] as const
export const NORMALIZERS = ['email', 'phone', 'lowercase', 'trim', 'none'] as const

export const identifierSectionSchema = z.strictObject({
  role: z.enum(['anchor', 'link']).optional(),
  normalize: z.enum(NORMALIZERS).optional(),
  defaultCountry: z.string().length(2).nullable().optional(),
  limit: z.number().int().positive().nullable().optional(),
  priority: z.number().int().optional(),
  blocked: z.array(z.string()).optional(),
  blockedPatterns: z.array(z.string()).optional(),
  /** Longest value kept, in characters after normalisation (default 256). */
  maxLength: z.number().int().positive().max(65_536).optional(),
})

/**
 * Identifier types and attribute fields become object keys on the way through YAML, JSON and
 * Avro maps, where these names would reach Object.prototype instead of a field: refuse them.
 */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
])
const fieldName = z
  .string()
  .refine((name) => !RESERVED_NAMES.has(name), { message: 'is a reserved name; choose another' })

export const tenantSectionSchema = z.strictObject({
  /** null removes an identifier type inherited from "*". */
  identifiers: z.record(fieldName, identifierSectionSchema.nullable()).optional(),
  /** null removes an attribute inherited from "*". */
  attributes: z.record(fieldName, z.enum(ATTRIBUTE_TYPES).nullable()).optional(),
  sourcePriority: z.array(z.string().min(1)).optional(),
  timelineCap: z.number().int().min(0).optional(),
  suppressForgotten: z.boolean().optional(),
  useDefaultDenyList: z.boolean().optional(),
  idempotenceWindow: z.number().int().positive().optional(),
  /** Longest string attribute value kept, in characters (default 4096). */
  maxAttributeLength: z.number().int().positive().optional(),
  /** Longest note kept on the timeline, in characters (default 16384); longer ones truncated. */
  maxNoteLength: z.number().int().min(64).optional(),
})

export const identityFileSchema = z.strictObject({
  /** A tenant written with no body (`shop:`) takes "*" as it is. */
  tenants: z.record(
    z.string().min(1),
    tenantSectionSchema.nullable().transform((section) => section ?? {}),
  ),
})

export type IdentifierSection = z.infer<typeof identifierSectionSchema>
export type TenantSection = z.infer<typeof tenantSectionSchema>
export type IdentityFile = z.infer<typeof identityFileSchema>
