import { DuckDBInstance } from '@duckdb/node-api'
import { identifierKey } from '../accuracy/pairwise.js'
import {
  CHANGED_SQL,
  GRAPH_SQL,
  loadEventsSql,
  normaliseSql,
  PARTITION_SQL,
  PROPAGATE_SQL,
  SWAP_SQL,
} from './sql.js'

export interface StitchTimings {
  readonly loadMs: number
  readonly normaliseMs: number
  readonly componentsMs: number
  readonly totalMs: number
  /** CPU time of the process (DuckDB's threads included) over the same span as totalMs. */
  readonly cpuMs: number
  readonly iterations: number
  readonly events: number
  readonly identifiers: number
}

export interface StitchResult {
  readonly timings: StitchTimings
  /** Components as lists of identifier keys (type U+001F value). */
  readonly profiles: string[][]
}

/** Runs the SQL stitching over event files in an in-memory DuckDB and returns its partition. */
export async function stitch(
  files: readonly string[],
  options: { denyList: boolean; threads?: number },
): Promise<StitchResult> {
  const instance = await DuckDBInstance.create(':memory:', {
    threads: String(options.threads ?? 2),
  })
  const db = await instance.connect()
  try {
    const t0 = performance.now()
    const cpu0 = process.cpuUsage()
    await db.run(loadEventsSql(files))
    const t1 = performance.now()
    await db.run(normaliseSql(options.denyList))
    const t2 = performance.now()
    await db.run(GRAPH_SQL)
    let iterations = 0
    for (;;) {
      iterations++
      await db.run(PROPAGATE_SQL)
      const changed = Number((await db.runAndReadAll(CHANGED_SQL)).getRows()[0]?.[0] ?? 0)
      await db.run(SWAP_SQL)
      if (changed === 0) break
    }
    const t3 = performance.now()
    const cpu = process.cpuUsage(cpu0)
    const counts = (
      await db.runAndReadAll(
        'SELECT (SELECT count(*) FROM events)::BIGINT, (SELECT count(*) FROM nodes)::BIGINT',
      )
    ).getRows()[0] as [bigint, bigint]
    const profiles: string[][] = []
    let label: unknown = null
    const rows = (await db.runAndReadAll(PARTITION_SQL)).getRows()
    for (const [rowLabel, type, value] of rows) {
      if (rowLabel !== label || profiles.length === 0) {
        profiles.push([])
        label = rowLabel
      }
      ;(profiles[profiles.length - 1] as string[]).push(identifierKey(String(type), String(value)))
    }
    return {
      timings: {
        loadMs: t1 - t0,
        normaliseMs: t2 - t1,
        componentsMs: t3 - t2,
        totalMs: t3 - t0,
        cpuMs: (cpu.user + cpu.system) / 1000,
        iterations,
        events: Number(counts[0]),
        identifiers: Number(counts[1]),
      },
      profiles,
    }
  } finally {
    db.closeSync()
    instance.closeSync()
  }
}
