export interface RetryOptions {
  readonly retriable: (err: unknown) => boolean
  readonly onRetry?: (err: unknown, attempt: number, delayMs: number) => Promise<void> | void
  /** First delay; doubles per attempt up to maxDelayMs, with jitter. */
  readonly initialDelayMs?: number
  readonly maxDelayMs?: number
  /** Stop retrying (rethrow) once this returns true, e.g. on shutdown. */
  readonly giveUp?: () => boolean
  readonly sleep?: (ms: number) => Promise<void>
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/**
 * Runs `attempt` until it succeeds or fails with a non-retriable error. A record waiting for the
 * registry or the broker is retried for as long as it takes, never skipped.
 */
export async function retrying<T>(attempt: () => Promise<T>, options: RetryOptions): Promise<T> {
  try {
    return await attempt()
  } catch (err) {
    return retryingAfter(err, attempt, options)
  }
}

/**
 * `retrying` once its first attempt failed with `err`: for a caller that made that attempt
 * itself, without a promise, and needs one only when it failed.
 */
export async function retryingAfter<T>(
  err: unknown,
  attempt: () => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const initial = options.initialDelayMs ?? 100
  const max = options.maxDelayMs ?? 10_000
  const sleep = options.sleep ?? defaultSleep
  let failure = err
  for (let n = 1; ; n++) {
    if (!options.retriable(failure) || options.giveUp?.() === true) throw failure
    const base = Math.min(max, initial * 2 ** Math.min(n - 1, 20))
    const delayMs = Math.round(base / 2 + (Math.random() * base) / 2)
    await options.onRetry?.(failure, n, delayMs)
    await sleep(delayMs)
    try {
      return await attempt()
    } catch (next) {
      failure = next
    }
  }
}
