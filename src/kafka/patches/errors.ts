import { CodedError } from '../../ports/coded-error.js'

/**
 * Why kafkajs could not be loaded with our patches. None is retriable: each needs a code or
 * dependency change (see "Patches of third-party internals" in docs/ARCHITECTURE.md).
 */
export type KafkajsPatchFailure =
  /** The installed kafkajs is not the version the patches were written and tested against. */
  | 'kafkajs-version-mismatch'
  /** kafkajs was loaded (imported) before src/kafka could patch it. */
  | 'kafkajs-loaded-first'
  /** An internal the patches rely on is missing or has another shape. */
  | 'kafkajs-internals-changed'

export class KafkajsPatchError extends CodedError<KafkajsPatchFailure> {
  override readonly name = 'KafkajsPatchError'
  constructor(code: KafkajsPatchFailure, message: string) {
    super(code, message, false)
  }
}
