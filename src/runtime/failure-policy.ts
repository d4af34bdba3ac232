import type { DeadLetterReason } from '../core/types.js'

/**
 * Every way processing one input partition can fail, and the one place that says what happens.
 * Failures are matched by these codes, never by message text. docs/processor.md has the same
 * table for users.
 */
export type FailureCode =
  /** Bytes that are not a record of the input schema (wire header, Avro body, JSON line). */
  | 'undecodable'
  /** A schema id the registry does not know. */
  | 'unknown-schema'
  /** A record that decodes but is not a valid ContactEvent. */
  | 'invalid-event'
  /** The resolver, or encoding its outputs, threw on one record (a bug or a poison record). */
  | 'processing-failed'
  /** An output of one record is larger than its topic accepts (or the log refused it). */
  | 'output-too-large'
  /** The schema registry did not answer (or answered 5xx). */
  | 'registry-unavailable'
  /** The log refused or lost a send, a commit or a transaction (Kafka: broker errors). */
  | 'broker-error'
  /** Another instance now writes this partition (its producer fenced ours). */
  | 'fenced'
  /** The local state store failed a read or a write. */
  | 'store-error'
  /** Anything else, outside any one record (a bug): handled like a broker error. */
  | 'unexpected'

export type FailureAction =
  /** The record becomes a dead-letter record in the transaction; the partition goes on. */
  | { readonly kind: 'dead-letter'; readonly reason: DeadLetterReason }
  /** The same call is retried with backoff until it succeeds; the record is never skipped. */
  | { readonly kind: 'retry-call' }
  /**
   * The transaction is aborted and the task reopened (backoff, state restored from the
   * changelog); after `attempts` failures at the same record it is dead-lettered instead.
   */
  | { readonly kind: 'retry-record'; readonly attempts: number; readonly reason: DeadLetterReason }
  /** The transaction is aborted and the task reopened with backoff, from the last commit. */
  | { readonly kind: 'restart-task' }
  /** The task stops; the partition waits for the next rebalance (its new owner goes on). */
  | { readonly kind: 'wait-for-rebalance' }

export interface FailurePolicyOptions {
  /** Attempts at one record before it is dead-lettered `processing-failed` (default 3). */
  readonly maxAttempts?: number
}

export const DEFAULT_MAX_ATTEMPTS = 3

/** What happens on each failure; the processor and the task look nothing else up. */
export function failurePolicy(
  options: FailurePolicyOptions = {},
): Readonly<Record<FailureCode, FailureAction>> {
  const attempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS
  if (!Number.isInteger(attempts) || attempts < 1) {
    throw new Error(`maxAttempts must be a positive integer, got ${attempts}`)
  }
  return {
    undecodable: { kind: 'dead-letter', reason: 'undecodable' },
    'unknown-schema': { kind: 'dead-letter', reason: 'unknown-schema' },
    'invalid-event': { kind: 'dead-letter', reason: 'invalid-event' },
    'processing-failed': { kind: 'retry-record', attempts, reason: 'processing-failed' },
    // The same record gives the same output again: one attempt is enough to know.
    'output-too-large': { kind: 'retry-record', attempts: 1, reason: 'output-too-large' },
    'registry-unavailable': { kind: 'retry-call' },
    'broker-error': { kind: 'restart-task' },
    fenced: { kind: 'wait-for-rebalance' },
    'store-error': { kind: 'restart-task' },
    unexpected: { kind: 'restart-task' },
  }
}

/**
 * A failure of a partition task, with its code and, when one input record caused it, that
 * record's offset (so the processor can count attempts at it and dead-letter it). A failure
 * of a whole transaction that some record in it must have caused (the log refused one of its
 * records) names the last input offset of that transaction instead (`through`): the processor
 * then redoes it one record per transaction until the record is found.
 */
export class TaskFailure extends Error {
  override readonly name = 'TaskFailure'
  constructor(
    readonly code: FailureCode,
    readonly offset: string | null,
    override readonly cause: unknown,
    message = `${code}: ${cause instanceof Error ? cause.message : String(cause)}`,
    readonly through: string | null = null,
  ) {
    super(message, { cause })
  }
}

/** Delay before the n-th consecutive restart of one partition's task (1-based), with jitter. */
export function restartDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(5_000, 100 * 2 ** Math.min(attempt - 1, 10))
  return Math.round(base / 2 + (random() * base) / 2)
}
