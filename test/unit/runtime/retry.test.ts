import { describe, expect, it } from 'vitest'
import { retrying } from '../../../src/runtime/retry.js'

const noSleep = async () => undefined

describe('retrying', () => {
  it('retries a retriable failure until it succeeds, backing off each time', async () => {
    let calls = 0
    const delays: number[] = []
    const result = await retrying(
      async () => {
        if (++calls < 4) throw Object.assign(new Error('registry down'), { retriable: true })
        return 'decoded'
      },
      {
        retriable: (err) => (err as { retriable?: boolean }).retriable === true,
        onRetry: (_err, _attempt, delayMs) => void delays.push(delayMs),
        sleep: noSleep,
        initialDelayMs: 100,
      },
    )
    expect(result).toBe('decoded')
    expect(calls).toBe(4)
    expect(delays).toHaveLength(3)
    // Jittered within [base/2, base] of a doubling base: later waits are never shorter than the first could be.
    expect(delays[0]).toBeLessThanOrEqual(100)
    expect(delays[2]).toBeGreaterThanOrEqual(200)
  })

  it('rethrows at once what is not retriable (a bad record is dead-lettered, not retried)', async () => {
    let calls = 0
    await expect(
      retrying(
        async () => {
          calls++
          throw new Error('undecodable')
        },
        { retriable: () => false, sleep: noSleep },
      ),
    ).rejects.toThrow('undecodable')
    expect(calls).toBe(1)
  })
})
