import type { Kafka, LogEntry, SASLOptions } from 'kafkajs'
import type { ConnectionOptions } from 'node:tls'
import type { Logger } from '../ports/logger.js'
import { loadKafkajs } from './patches/index.js'

export interface KafkaClientOptions {
  readonly brokers: readonly string[]
  readonly clientId: string
  /** kafkajs's own logs go here (warn and above); none when omitted. */
  readonly logger?: Logger
  /** 'debug' passes kafkajs's debug logs too (as our debug); 'warn' when omitted. */
  readonly logLevel?: 'warn' | 'debug'
  /** Passed to kafkajs as is: true, or Node TLS options (ca, cert, key, ...). */
  readonly ssl?: boolean | ConnectionOptions
  /** Passed to kafkajs as is (plain, scram-sha-256/512, aws). */
  readonly sasl?: SASLOptions
}

/**
 * kafkajs warns this at every idempotent producer with a bounded number of retries, which
 * ours have on purpose (see RETRIES_EXPLAINED). The text is kafkajs 2.2.4's (src/producer/index.js);
 * the version pin in ./patches keeps it current.
 */
const LIMITED_RETRIES_WARNING =
  'Limiting retries for the idempotent producer may invalidate EoS guarantees'
const RETRIES_EXPLAINED =
  'transactional producers retry a failed send a bounded number of times; a send that still ' +
  'fails fails its transaction, which is aborted and redone from the last committed offset, ' +
  'so exactly-once holds (kafkajs warns otherwise; that warning is not passed on)'

/**
 * The one place a kafkajs client is made, with the patches of ./patches installed first.
 * kafkajs logs retriable broker answers at ERROR, so its ERROR becomes our warn: failures that
 * matter reach callers as rejected promises. Its warning about limited idempotent retries is
 * replaced by one info line of ours per client.
 */
export function createKafka(options: KafkaClientOptions): Kafka {
  if (options.brokers.length === 0) throw new Error('no Kafka brokers given')
  const { Kafka, logLevel } = loadKafkajs()
  const logger = options.logger?.child({ component: 'kafkajs' })
  let retriesExplained = false
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
    ...(options.sasl === undefined ? {} : { sasl: options.sasl }),
    logLevel: !logger
      ? logLevel.NOTHING
      : options.logLevel === 'debug'
        ? logLevel.DEBUG
        : logLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      if (!logger) return
      const { message, ...fields } = entry.log
      if (entry.namespace === 'Producer' && message === LIMITED_RETRIES_WARNING) {
        if (!retriesExplained) logger.info({}, RETRIES_EXPLAINED)
        retriesExplained = true
        return
      }
      const bindings = { namespace: entry.namespace, ...fields }
      if (entry.level === logLevel.ERROR || entry.level === logLevel.WARN) {
        logger.warn(bindings, message)
      } else {
        logger.debug(bindings, message)
      }
    },
  })
}
