/**
 * Deterministic profile ids (spec rule 10): derived from the tenant, the creating event's id and
 * an ordinal, never from a clock or randomness, so replaying the input into empty state gives
 * the same ids. 128 bits of four independently seeded murmur3-style lanes: not cryptographic,
 * but collisions are negligible, and the resolver still checks that a new id is unused (a reused
 * eventId outside the idempotence window would otherwise collide) and moves to the next ordinal.
 */

const SEEDS = [0x9747b28c, 0x85ebca6b, 0xc2b2ae35, 0x27d4eb2f] as const

function lane(input: string, seed: number): number {
  let h = seed >>> 0
  for (let i = 0; i < input.length; i++) {
    let k = input.charCodeAt(i)
    k = Math.imul(k, 0xcc9e2d51)
    k = (k << 15) | (k >>> 17)
    k = Math.imul(k, 0x1b873593)
    h ^= k
    h = (h << 13) | (h >>> 19)
    h = (Math.imul(h, 5) + 0xe6546b64) | 0
  }
  h ^= input.length
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

export function profileIdFor(tenant: string, eventId: string, ordinal: number): string {
  const input = tenant + '\u001f' + eventId + '\u001f' + ordinal
  let out = 'p_'
  for (const seed of SEEDS) out += lane(input, seed).toString(16).padStart(8, '0')
  return out
}
