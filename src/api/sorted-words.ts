/**
 * A sorted set of strings in blocks of at most BLOCK entries (Python's SortedList idea): insert
 * and delete cost a binary search and a splice within one block, and the words starting with a
 * prefix are one binary search away. The search index keeps its vocabulary here for prefix
 * matching; a plain sorted array would cost a copy of millions of words per new word.
 */
const BLOCK = 512

export class SortedWords {
  private blocks: string[][] = []
  /** The first word of each block, for the binary search over blocks. */
  private firsts: string[] = []

  get size(): number {
    let n = 0
    for (const b of this.blocks) n += b.length
    return n
  }

  add(word: string): void {
    if (this.blocks.length === 0) {
      this.blocks.push([word])
      this.firsts.push(word)
      return
    }
    const bi = Math.max(0, upperBound(this.firsts, word) - 1)
    const block = this.blocks[bi] as string[]
    const i = lowerBound(block, word)
    if (block[i] === word) return
    block.splice(i, 0, word)
    if (i === 0) this.firsts[bi] = word
    if (block.length > BLOCK) {
      const tail = block.splice(BLOCK / 2)
      this.blocks.splice(bi + 1, 0, tail)
      this.firsts.splice(bi + 1, 0, tail[0] as string)
    }
  }

  delete(word: string): void {
    if (this.blocks.length === 0) return
    const bi = Math.max(0, upperBound(this.firsts, word) - 1)
    const block = this.blocks[bi] as string[]
    const i = lowerBound(block, word)
    if (block[i] !== word) return
    block.splice(i, 1)
    if (block.length === 0) {
      this.blocks.splice(bi, 1)
      this.firsts.splice(bi, 1)
    } else if (i === 0) this.firsts[bi] = block[0] as string
  }

  /** Up to `max` words that start with `prefix`, in order. */
  withPrefix(prefix: string, max: number): string[] {
    const out: string[] = []
    if (this.blocks.length === 0 || max <= 0) return out
    let bi = Math.max(0, upperBound(this.firsts, prefix) - 1)
    let i = lowerBound(this.blocks[bi] as string[], prefix)
    for (; bi < this.blocks.length; bi++, i = 0) {
      const block = this.blocks[bi] as string[]
      for (; i < block.length; i++) {
        const w = block[i] as string
        if (!w.startsWith(prefix)) return out
        out.push(w)
        if (out.length >= max) return out
      }
    }
    return out
  }
}

/** First index whose element is >= x. */
function lowerBound(a: readonly string[], x: string): number {
  let lo = 0
  let hi = a.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((a[mid] as string) < x) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** First index whose element is > x. */
function upperBound(a: readonly string[], x: string): number {
  let lo = 0
  let hi = a.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((a[mid] as string) <= x) lo = mid + 1
    else hi = mid
  }
  return lo
}
