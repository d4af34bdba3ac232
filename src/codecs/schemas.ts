import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import avro from 'avsc'
import { defaultSchemasDir } from '../topology/package-files.js'
import type { SchemaName } from '../topology/roles.js'

/**
 * avsc options shared by our local types and the registry client, so both read alike. Always
 * copy it: avsc keeps its name registry in the options object it is given.
 */
export const AVRO_OPTIONS: Readonly<Partial<avro.ForSchemaOptions>> = { wrapUnions: 'auto' }

export interface LoadedSchema {
  readonly name: SchemaName
  /** The .avsc text as JSON without whitespace: what gets registered. */
  readonly text: string
  readonly type: avro.Type
}

export type SchemaSet = ReadonlyMap<SchemaName, LoadedSchema>

export const SCHEMA_NAMES: readonly SchemaName[] = [
  'TenantKey',
  'ProfileKey',
  'ContactEvent',
  'ProfileSnapshot',
  'ProfileMerged',
  'LinkReassigned',
  'ProfileDeleted',
  'MergeRefused',
  'DeadLetter',
]

export function parseSchema(name: SchemaName, json: string, source: string = name): LoadedSchema {
  let raw: unknown
  try {
    raw = JSON.parse(json)
  } catch (err) {
    throw new Error(`${source}: not JSON: ${(err as Error).message}`, { cause: err })
  }
  try {
    const type = avro.Type.forSchema(raw as avro.Schema, { ...AVRO_OPTIONS })
    return { name, text: JSON.stringify(raw), type }
  } catch (err) {
    throw new Error(`${source}: not a valid Avro schema: ${(err as Error).message}`, {
      cause: err,
    })
  }
}

/** Reads every schema in schemas/ (or `dir`); fails at start, naming the file, if one is bad. */
export async function loadSchemas(dir: string = defaultSchemasDir()): Promise<SchemaSet> {
  const entries = await Promise.all(
    SCHEMA_NAMES.map(async (name) => {
      const path = join(dir, `${name}.avsc`)
      const text = await readFile(path, 'utf8')
      return [name, parseSchema(name, text, path)] as const
    }),
  )
  return new Map(entries)
}
