import { readFile } from 'node:fs/promises'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import type { AttributeType } from '../core/config.js'
import type { CompiledTenant } from '../core/tenant-rules.js'

/**
 * The optional mapping file of `unifier import csv` (YAML or JSON):
 *
 *   customerId: loyalty_card   # long format: the identifier type of the customerId column
 *   fields:                    # long: fieldName → name; wide: column header → name
 *     Email: email             # an identifier type of the tenant,
 *     FirstName: first_name    # an attribute of the tenant,
 *     UpdatedAt: timestamp     # the event time of the row (wide) or customer (long),
 *     Channel: source          # the row's source, instead of --source,
 *     Internal: ignore         # or not imported.
 *
 * A field or column the file does not name keeps its own name.
 */
export interface CsvMapping {
  readonly customerId: string | null
  readonly fields: Readonly<Record<string, string>>
}

export const EMPTY_MAPPING: CsvMapping = { customerId: null, fields: {} }

const mappingSchema = z.strictObject({
  customerId: z.string().min(1).optional(),
  fields: z.record(z.string(), z.string().min(1)).default({}),
})

export class CsvImportError extends Error {
  override readonly name = 'CsvImportError'
  readonly retriable = false
  constructor(
    readonly code: 'invalid-mapping' | 'unknown-tenant' | 'invalid-header' | 'no-anchor-type',
    message: string,
  ) {
    super(message)
  }
}

export function parseMapping(text: string, origin: string): CsvMapping {
  let raw: unknown
  try {
    raw = parseYaml(text)
  } catch (err) {
    throw new CsvImportError('invalid-mapping', `${origin}: not YAML or JSON: ${String(err)}`)
  }
  const parsed = mappingSchema.safeParse(raw ?? {})
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`)
    throw new CsvImportError('invalid-mapping', `${origin}: ${problems.join('; ')}`)
  }
  return { customerId: parsed.data.customerId ?? null, fields: parsed.data.fields }
}

export async function loadMapping(path: string): Promise<CsvMapping> {
  return parseMapping(await readFile(path, 'utf8'), path)
}

/** What a long-format fieldName or a wide-format column feeds. */
export type FieldTarget =
  | { readonly kind: 'identifier'; readonly type: string }
  | { readonly kind: 'attribute'; readonly name: string; readonly type: AttributeType }
  | { readonly kind: 'timestamp' }
  | { readonly kind: 'source' }
  | { readonly kind: 'ignore' }

/** The tenant's own names first; then the reserved `timestamp`, `source` and `ignore`; else null. */
export function fieldTarget(
  tenant: CompiledTenant,
  mapping: CsvMapping,
  field: string,
): FieldTarget | null {
  const name = mapping.fields[field] ?? field
  if (tenant.identifierTypes.has(name)) return { kind: 'identifier', type: name }
  const type = tenant.attributeTypes.get(name)
  if (type !== undefined) return { kind: 'attribute', name, type }
  if (name === 'timestamp') return { kind: 'timestamp' }
  if (name === 'source') return { kind: 'source' }
  if (name === 'ignore') return { kind: 'ignore' }
  return null
}

/** The identifier type of the long format's customerId: the mapping's, or the one anchor type. */
export function customerIdType(tenantName: string, tenant: CompiledTenant, mapping: CsvMapping) {
  if (mapping.customerId !== null) {
    if (!tenant.identifierTypes.has(mapping.customerId)) {
      throw new CsvImportError(
        'invalid-mapping',
        `customerId: ${mapping.customerId} is not an identifier type of tenant ${tenantName}`,
      )
    }
    return mapping.customerId
  }
  const anchors = [...tenant.identifierTypes.values()].filter((t) => t.role === 'anchor')
  if (anchors.length !== 1) {
    throw new CsvImportError(
      'no-anchor-type',
      `tenant ${tenantName} has ${anchors.length} anchor types` +
        (anchors.length === 0 ? '' : ` (${anchors.map((a) => a.type).join(', ')})`) +
        '; name the customerId type in --mapping (customerId: <type>)',
    )
  }
  return (anchors[0] as { type: string }).type
}
