// First: replaces kafkajs's partition grouping before kafkajs loads (see the module).
import './partition-grouping.js'
import { Kafka, logLevel, type LogEntry, type SASLOptions } from 'kafkajs'
import type { ConnectionOptions } from 'node:tls'
import type { Logger } from '../ports/logger.js'
import { installFastProduceEncoding } from './produce-encoding.js'

export interface KafkaClientOptions {
  readonly brokers: readonly string[]
  readonly clientId: string
  /** kafkajs's own logs go here (warn and above); none when omitted. */
  readonly logger?: Logger
  /** Passed to kafkajs as is: true, or Node TLS options (ca, cert, key, ...). */
  readonly ssl?: boolean | ConnectionOptions
  /** Passed to kafkajs as is (plain, scram-sha-256/512, aws). */
  readonly sasl?: SASLOptions
}

/**
 * The one place a kafkajs client is made. kafkajs logs retriable broker answers at ERROR, so
 * its ERROR becomes our warn: failures that matter reach callers as rejected promises. Its
 * produce requests are encoded by ./produce-encoding.ts (same bytes, a fraction of the CPU).
 */
export function createKafka(options: KafkaClientOptions): Kafka {
  if (options.brokers.length === 0) throw new Error('no Kafka brokers given')
  installFastProduceEncoding()
  const logger = options.logger?.child({ component: 'kafkajs' })
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
    ...(options.sasl === undefined ? {} : { sasl: options.sasl }),
    logLevel: logger ? logLevel.WARN : logLevel.NOTHING,
    logCreator: () => (entry: LogEntry) => {
      if (!logger) return
      const { message, ...fields } = entry.log
      const bindings = { namespace: entry.namespace, ...fields }
      if (entry.level === logLevel.ERROR || entry.level === logLevel.WARN) {
        logger.warn(bindings, message)
      } else {
        logger.debug(bindings, message)
      }
    },
  })
}

/** "host:port,host:port" → ["host:port", ...]; empty entries dropped. */
export function parseBrokers(list: string): string[] {
  return list
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0)
}
