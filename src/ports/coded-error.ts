/**
 * An infrastructure failure with a closed code and whether trying again can help (STYLE.md:
 * errors are matched by code, never by message). Business outcomes are records, not errors.
 */
export class CodedError<C extends string> extends Error {
  constructor(
    readonly code: C,
    message: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}
