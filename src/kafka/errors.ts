import { CodedError } from '../ports/coded-error.js'

/** Why the processor's Kafka log cannot open. Neither is retriable: the topics need changing. */
export type ProcessorTopicsFailure =
  /** An input, state or output topic does not exist (`unifier topology apply` creates it). */
  | 'topic-missing'
  /** The state changelog has not as many partitions as the input (each task owns one of each). */
  | 'topics-not-copartitioned'

export class ProcessorTopicsError extends CodedError<ProcessorTopicsFailure> {
  override readonly name = 'ProcessorTopicsError'
  constructor(code: ProcessorTopicsFailure, message: string) {
    super(code, message, false)
  }
}

export function isProcessorTopicsError(err: unknown): err is ProcessorTopicsError {
  return err instanceof ProcessorTopicsError
}
