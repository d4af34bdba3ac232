import { mkdir } from 'node:fs/promises'
import { Level } from 'level'
import { Packr } from 'msgpackr'

/** A record as the local log keeps it. */
export interface LogRecord {
  readonly offset: string
  readonly timestamp: number
  readonly key: Buffer | null
  readonly value: Buffer | null
}

export interface LogAppend {
  readonly topic: string
  readonly partition: number
  readonly key: Buffer | null
  readonly value: Buffer | null
}

interface StoredRecord {
  readonly k: Uint8Array | null
  readonly v: Uint8Array | null
  readonly ts: number
}

const packr = new Packr({ useRecords: false, moreTypes: false })
const OFFSET_DIGITS = 16

const recordKey = (topic: string, partition: number, offset: bigint): string =>
  `t!${topic}!${partition}!${offset.toString().padStart(OFFSET_DIGITS, '0')}`
const partitionPrefix = (topic: string, partition: number): string => `t!${topic}!${partition}!`
const committedKey = (group: string, topic: string, partition: number): string =>
  `o!${group}!${topic}!${partition}`
const importKey = (id: string): string => `i!${id}`

const toBuffer = (bytes: Uint8Array | null): Buffer | null =>
  bytes === null ? null : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)

/**
 * The embedded mode's durable log (level): topics of partitions of offset-ordered records, and
 * committed offsets, in one LevelDB. A commit is one LevelDB batch, so outputs and the input
 * position it records become durable together, the same contract a Kafka transaction gives.
 * LevelDB locks its directory: one process writes a log at a time.
 */
export class LocalLog {
  private readonly ends = new Map<string, bigint>()

  private constructor(private readonly db: Level<string, Uint8Array>) {}

  static async open(dir: string): Promise<LocalLog> {
    await mkdir(dir, { recursive: true })
    const db = new Level<string, Uint8Array>(dir, { valueEncoding: 'view' })
    await db.open()
    return new LocalLog(db)
  }

  /** The offset the next record of the partition gets (= number of records, from 0). */
  async endOffset(topic: string, partition: number): Promise<bigint> {
    const id = `${topic}!${partition}`
    const known = this.ends.get(id)
    if (known !== undefined) return known
    const prefix = partitionPrefix(topic, partition)
    let end = 0n
    for await (const key of this.db.keys({
      gte: prefix,
      lt: `${prefix}~`,
      reverse: true,
      limit: 1,
    })) {
      end = BigInt(key.slice(prefix.length)) + 1n
    }
    this.ends.set(id, end)
    return end
  }

  async read(topic: string, partition: number, from: bigint, max: number): Promise<LogRecord[]> {
    const prefix = partitionPrefix(topic, partition)
    const records: LogRecord[] = []
    for await (const [key, value] of this.db.iterator({
      gte: recordKey(topic, partition, from),
      lt: `${prefix}~`,
      limit: max,
    })) {
      const stored = packr.unpack(value) as StoredRecord
      records.push({
        offset: BigInt(key.slice(prefix.length)).toString(),
        timestamp: stored.ts,
        key: toBuffer(stored.k),
        value: toBuffer(stored.v),
      })
    }
    return records
  }

  async committed(group: string, topic: string, partition: number): Promise<string | null> {
    const value = await this.db.get(committedKey(group, topic, partition))
    return value === undefined ? null : new TextDecoder().decode(value)
  }

  async hasImport(id: string): Promise<boolean> {
    return (await this.db.get(importKey(id))) !== undefined
  }

  /**
   * Writes records (offsets assigned in order per partition), an optional committed position
   * and an optional import marker in one atomic batch. Returns each record's offset.
   */
  async commit(
    records: readonly LogAppend[],
    options: {
      readonly position?: { group: string; topic: string; partition: number; offset: string }
      readonly importId?: string
      readonly timestamp?: number
    } = {},
  ): Promise<string[]> {
    const timestamp = options.timestamp ?? Date.now()
    const ends = new Map<string, bigint>()
    const offsets: string[] = []
    const batch = this.db.batch()
    for (const r of records) {
      const id = `${r.topic}!${r.partition}`
      const offset = ends.get(id) ?? (await this.endOffset(r.topic, r.partition))
      ends.set(id, offset + 1n)
      offsets.push(offset.toString())
      const stored: StoredRecord = { k: r.key, v: r.value, ts: timestamp }
      batch.put(recordKey(r.topic, r.partition, offset), packr.pack(stored))
    }
    const encoder = new TextEncoder()
    if (options.position !== undefined) {
      const { group, topic, partition, offset } = options.position
      batch.put(committedKey(group, topic, partition), encoder.encode(offset))
    }
    if (options.importId !== undefined) batch.put(importKey(options.importId), encoder.encode('1'))
    await batch.write()
    for (const [id, end] of ends) this.ends.set(id, end)
    return offsets
  }

  async close(): Promise<void> {
    await this.db.close()
  }
}
