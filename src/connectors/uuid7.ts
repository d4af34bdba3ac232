import { randomFillSync } from 'node:crypto'

/**
 * Time-ordered UUIDs (RFC 9562 version 7) for events a caller sends without an eventId: 48 bits
 * of Unix milliseconds, then a 12-bit counter (rand_a, method 1 of RFC 9562 §6.2) and 62 random
 * bits. Ids from one generator sort (as strings and as bytes) in the order they were made, even
 * within one millisecond or when the clock steps back: the counter starts at a random value
 * below 2^11 each new millisecond and counts up; when it would overflow, or the clock goes
 * backwards, the generator borrows the next millisecond instead.
 */
export interface Uuid7Generator {
  (): string
}

export function uuid7Generator(
  now: () => number = Date.now,
  random: (bytes: Uint8Array) => void = (bytes) => void randomFillSync(bytes),
): Uuid7Generator {
  let lastMs = -1
  let counter = 0
  const bytes = new Uint8Array(16)
  const seed = new Uint8Array(2)
  return () => {
    const ms = Math.floor(now())
    if (ms > lastMs) {
      lastMs = ms
      random(seed)
      counter = ((seed[0] as number) << 3) | ((seed[1] as number) & 0x07) // < 2^11
    } else if (counter < 0xfff) {
      counter++
    } else {
      lastMs++
      counter = 0
    }
    random(bytes)
    // 48-bit big-endian milliseconds (exact in a double up to year 10889)
    let t = lastMs
    for (let i = 5; i >= 0; i--) {
      bytes[i] = t % 256
      t = Math.floor(t / 256)
    }
    bytes[6] = 0x70 | (counter >> 8)
    bytes[7] = counter & 0xff
    bytes[8] = 0x80 | ((bytes[8] as number) & 0x3f)
    const hex = Buffer.from(bytes).toString('hex')
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
  }
}

/** The process-wide generator the producer library uses. */
export const uuid7: Uuid7Generator = uuid7Generator()

const UUID7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

export const isUuid7 = (text: string): boolean => UUID7.test(text)

/** The millisecond timestamp a version-7 UUID carries. */
export function uuid7Time(id: string): number {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16)
}
