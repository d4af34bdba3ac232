import { createRequire } from 'node:module'
import type { Batch } from 'kafkajs'
import { KafkajsPatchError } from './errors.js'

/**
 * The offset a kafkajs batch's fetch started at. kafkajs keeps it on every batch
 * (`this.fetchedOffset` in src/consumer/batch.js) but leaves it out of its types and docs. The
 * processor needs it to tell the first batch fetched after a seek from a stale one fetched
 * before (src/runtime/processor.ts); none of the documented fields says that: an empty batch
 * has no first offset, and a filtered one (aborted records, control markers) starts later.
 */
export function fetchedOffsetOf(batch: Batch): string {
  return String((batch as unknown as { fetchedOffset: unknown }).fetchedOffset)
}

const require = createRequire(import.meta.url)
const BATCH_MODULE = 'kafkajs/src/consumer/batch.js'
type BatchClass = new (
  topic: string,
  fetchedOffset: string,
  partitionData: { partition: number; highWatermark: string; messages: unknown[] },
) => Batch

/** Checked at load: kafkajs's batch still carries the field, as the offset it was given. */
export function checkFetchedOffset(): void {
  const KafkajsBatch = require(BATCH_MODULE) as BatchClass
  const batch = new KafkajsBatch('t', '42', { partition: 0, highWatermark: '50', messages: [] })
  if ((batch as unknown as { fetchedOffset?: unknown }).fetchedOffset !== '42') {
    throw new KafkajsPatchError(
      'kafkajs-internals-changed',
      `kafkajs's consumer batch (${BATCH_MODULE}) no longer carries fetchedOffset`,
    )
  }
}
