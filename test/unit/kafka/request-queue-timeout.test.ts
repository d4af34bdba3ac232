import { createRequire } from 'node:module'
import { describe, expect, it, vi } from 'vitest'
import { loadKafkajs } from '../../../src/kafka/patches/index.js'

const require = createRequire(import.meta.url)

describe("kafkajs's request queue after loadKafkajs()", () => {
  it('never asks Node for a negative timer (no TimeoutNegativeWarning on Node 24)', () => {
    loadKafkajs()
    const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as {
      prototype: { scheduleCheckPendingRequests(this: object): void }
    }
    const delays: number[] = []
    const spy = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((
      _fn: () => void,
      ms?: number,
    ) => {
      delays.push(ms ?? 0)
      return 0 as unknown as ReturnType<typeof setTimeout>
    }) as typeof setTimeout)
    try {
      // never throttled, nothing pending: kafkajs's own code asks for -1 - Date.now() ms
      const queue = { throttledUntil: -1, throttleCheckTimeoutId: null, pending: [] }
      RequestQueue.prototype.scheduleCheckPendingRequests.call(queue)
      // throttled for another 500 ms: that delay is kept
      const throttled = {
        throttledUntil: Date.now() + 500,
        throttleCheckTimeoutId: null,
        pending: [1],
      }
      RequestQueue.prototype.scheduleCheckPendingRequests.call(throttled)
    } finally {
      spy.mockRestore()
    }
    expect(delays[0]).toBe(1)
    expect(delays[1]).toBeGreaterThan(400)
    expect(delays[1]).toBeLessThanOrEqual(500)
  })
})
