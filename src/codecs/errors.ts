import type { DeadLetterReason } from '../core/types.js'
import { CodedError } from '../ports/coded-error.js'

/**
 * Why a record could not be decoded. The runtime dead-letters these (the record itself is
 * bad: retrying cannot help), so the codes are exactly dead-letter reasons.
 */
export type DecodeFailure = Extract<DeadLetterReason, 'undecodable' | 'unknown-schema'>

export class DecodeError extends CodedError<DecodeFailure> {
  override readonly name = 'DecodeError'
  constructor(code: DecodeFailure, message: string, options?: { cause?: unknown }) {
    super(code, message, false, options)
  }
}

/**
 * The registry could not do what we asked. 'registry-unavailable' is retriable (network, 5xx);
 * the others need a person: an incompatible schema change, a schema the registry rejects, or a
 * record our own code built wrong.
 */
export type RegistryFailure =
  | 'incompatible-schema'
  | 'invalid-schema'
  | 'registry-unavailable'
  | 'registry-rejected'
  | 'invalid-record'

export class SchemaRegistryError extends CodedError<RegistryFailure> {
  override readonly name = 'SchemaRegistryError'
  constructor(
    code: RegistryFailure,
    message: string,
    readonly subject: string | null = null,
    options?: { cause?: unknown },
  ) {
    super(code, message, code === 'registry-unavailable', options)
  }
}
