import { createRequire } from 'node:module'
import { KafkajsPatchError } from './errors.js'
import { checkFetchedOffset } from './fetched-offset.js'
import { installPartitionGrouping } from './partition-grouping.js'
import { installFastProduceEncoding } from './produce-encoding.js'
import { installRequestQueueTimeout } from './request-queue-timeout.js'

/**
 * The one way src/kafka gets kafkajs: every patch of kafkajs's internals is installed here,
 * before kafkajs's own modules load, for the one kafkajs version they were written against.
 * Other src/kafka modules import kafkajs's types only (lint enforces it) and take its values
 * from `loadKafkajs()`. See "Patches of third-party internals" in docs/ARCHITECTURE.md.
 */

/** The kafkajs version the patches were written and tested against; package.json pins it. */
export const KAFKAJS_VERSION = '2.2.4'

export type Kafkajs = typeof import('kafkajs')

const require = createRequire(import.meta.url)
let loaded: Kafkajs | undefined

/** Throws unless `installed` is exactly the version the patches are for. */
export function checkKafkajsVersion(installed: string, pinned: string = KAFKAJS_VERSION): void {
  if (installed !== pinned) {
    throw new KafkajsPatchError(
      'kafkajs-version-mismatch',
      `kafkajs ${installed} is installed, but src/kafka/patches was written for kafkajs ${pinned}: ` +
        'pin package.json to it, or re-check every patch against the new version and update ' +
        'KAFKAJS_VERSION (docs/ARCHITECTURE.md, "Patches of third-party internals")',
    )
  }
}

/**
 * kafkajs with the patches in place: the version checked, the partition grouping in the
 * module cache before kafkajs's producer loads, the Produce encoder replaced, the undocumented
 * batch field checked. Idempotent; throws a KafkajsPatchError when any of it cannot be done.
 */
export function loadKafkajs(): Kafkajs {
  if (loaded !== undefined) return loaded
  const { version } = require('kafkajs/package.json') as { version: string }
  checkKafkajsVersion(version)
  installPartitionGrouping()
  const kafkajs = require('kafkajs') as Kafkajs
  installFastProduceEncoding()
  installRequestQueueTimeout()
  checkFetchedOffset()
  loaded = kafkajs
  return kafkajs
}
