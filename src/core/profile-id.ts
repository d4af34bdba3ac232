/**
 * Deterministic profile ids (spec rule 10): derived from the tenant, the creating event's id and
 * an ordinal, never from a clock or randomness, so replaying the input into empty state gives
 * the same ids. 128 bits of four independently seeded murmur3-style lanes: not cryptographic,
 * but collisions are negligible, and the resolver still checks that a new id is unused (a reused
 * eventId outside the idempotence window would otherwise collide) and moves to the next ordinal.
 */

const HEX = '0123456789abcdef'
const BYTE_HEX = Array.from({ length: 256 }, (_, b) => HEX[b >>> 4]! + HEX[b & 15]!)

/** murmur3's finaliser; shared with idempotence.ts's content hash. */
export function fmix(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** One murmur3 mixing step of `k` into the lane `h`. */
export function mixIn(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51)
  k = (k << 15) | (k >>> 17)
  k = Math.imul(k, 0x1b873593)
  h ^= k
  h = (h << 13) | (h >>> 19)
  return (Math.imul(h, 5) + 0xe6546b64) | 0
}

function hex8(h: number): string {
  return (
    (BYTE_HEX[h >>> 24] as string) +
    (BYTE_HEX[(h >>> 16) & 255] as string) +
    (BYTE_HEX[(h >>> 8) & 255] as string) +
    (BYTE_HEX[h & 255] as string)
  )
}

/** Four murmur3-style lanes with different seeds, computed in one pass over the input. */
export function profileIdFor(tenant: string, eventId: string, ordinal: number): string {
  const input = tenant + '\u001f' + eventId + '\u001f' + ordinal
  let a = 0x9747b28c | 0
  let b = 0x85ebca6b | 0
  let c = 0xc2b2ae35 | 0
  let d = 0x27d4eb2f | 0
  for (let i = 0; i < input.length; i++) {
    const k = input.charCodeAt(i)
    a = mixIn(a, k)
    b = mixIn(b, k ^ 0x5bd1e995)
    c = mixIn(c, k + 0x68e31da4)
    d = mixIn(d, Math.imul(k, 0x165667b1))
  }
  const n = input.length
  return 'p_' + hex8(fmix(a ^ n)) + hex8(fmix(b ^ n)) + hex8(fmix(c ^ n)) + hex8(fmix(d ^ n))
}
