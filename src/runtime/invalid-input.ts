import type { DeadLetterReason } from '../core/types.js'

/**
 * An input record the codec read but cannot turn into an event (e.g. an NDJSON line that fails
 * validation). Like a DecodeError it is dead-lettered, with its own reason.
 */
export class InvalidInputError extends Error {
  override readonly name = 'InvalidInputError'
  constructor(
    readonly reason: DeadLetterReason,
    message: string,
    readonly tenant: string | null = null,
    readonly eventId: string | null = null,
  ) {
    super(message)
  }
}
