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
  const initial = options.initialDelayMs ?? 100
  const max = options.maxDelayMs ?? 10_000
  const sleep = options.sleep ?? defaultSleep
  for (let n = 1; ; n++) {
    try {
      return await attempt()
    } catch (err) {
      if (!options.retriable(err) || options.giveUp?.() === true) throw err
      const base = Math.min(max, initial * 2 ** Math.min(n - 1, 20))
      const delayMs = Math.round(base / 2 + (Math.random() * base) / 2)
      await options.onRetry?.(err, n, delayMs)
      await sleep(delayMs)
    }
  }
}
