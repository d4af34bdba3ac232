import { createRequire } from 'node:module'

/**
 * kafkajs 2.2.4's request queue schedules its next check at `throttledUntil - Date.now()`,
 * which is far below zero when nothing was ever throttled (`throttledUntil` starts at -1). Node
 * has always run such a timer after 1 ms; Node 24 also prints a TimeoutNegativeWarning for
 * each one (kafkajs issue 1751), which reads as a fault to a user of `unifier run`. The
 * replacement clamps the delay to 1 ms: the same schedule, no warning.
 */

const require = createRequire(import.meta.url)
const REQUEST_QUEUE_MODULE = 'kafkajs/src/network/requestQueue/index.js'
const CHECK_PENDING_REQUESTS_INTERVAL = 10

interface RequestQueue {
  throttledUntil: number
  throttleCheckTimeoutId: ReturnType<typeof setTimeout> | null
  pending: unknown[]
  checkPendingRequests(): void
  scheduleCheckPendingRequests(): void
}

const PATCHED = Symbol.for('profile-unifier/kafkajs-request-queue-timeout')

export function installRequestQueueTimeout(): void {
  const RequestQueueClass = require(REQUEST_QUEUE_MODULE) as {
    prototype: RequestQueue & { [PATCHED]?: true }
  }
  const proto = RequestQueueClass.prototype
  if (proto[PATCHED] === true) return
  proto.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: RequestQueue) {
    let scheduleAt = this.throttledUntil - Date.now()
    if (!this.throttleCheckTimeoutId) {
      if (this.pending.length > 0) {
        scheduleAt = scheduleAt > 0 ? scheduleAt : CHECK_PENDING_REQUESTS_INTERVAL
      }
      this.throttleCheckTimeoutId = setTimeout(
        () => {
          this.throttleCheckTimeoutId = null
          this.checkPendingRequests()
        },
        Math.max(1, scheduleAt),
      )
    }
  }
  proto[PATCHED] = true
}
