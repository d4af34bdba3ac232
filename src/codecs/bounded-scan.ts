import type avro from 'avsc'

/**
 * A bounds check of an Avro body against its writer schema, run before avsc decodes it. avsc
 * trusts the block counts of arrays and maps: it allocates `new Array(count)` and reads `count`
 * items even past the end of the buffer, checking only afterwards. Ten hostile bytes claiming
 * a hundred million items then cost gigabytes and minutes (the fuzz test in
 * test/property/hostile-input.test.ts found it). This walk reads every length and count,
 * refuses any that claims more bytes than remain, and stops at the first read past the end,
 * so its work and avsc's after it are bounded by the body's size.
 */

/** Items of a type that can be zero bytes long (null, an empty record) are capped at this. */
const MAX_ZERO_SIZE_ITEMS = 65_536
const MAX_DEPTH = 256

interface AnyType {
  readonly typeName: string
  readonly fields?: ReadonlyArray<{ readonly type: AnyType }>
  readonly itemsType?: AnyType
  readonly valuesType?: AnyType
  readonly types?: readonly AnyType[]
  readonly symbols?: readonly string[]
  readonly size?: number
  readonly underlyingType?: AnyType
}

class OutOfBounds extends Error {}

class Cursor {
  pos = 0
  constructor(readonly buf: Buffer) {}

  get remaining(): number {
    return this.buf.length - this.pos
  }

  skip(n: number): void {
    if (n < 0 || n > this.remaining) throw new OutOfBounds()
    this.pos += n
  }

  /** A zig-zag varint as a number (exact up to 2^53; larger ones only get larger). */
  long(): number {
    let result = 0
    let scale = 1
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.buf.length) throw new OutOfBounds()
      const b = this.buf[this.pos++] as number
      result += (b & 0x7f) * scale
      if ((b & 0x80) === 0) return result % 2 === 0 ? result / 2 : -(result + 1) / 2
      scale *= 128
    }
    throw new OutOfBounds()
  }
}

/** The fewest bytes a value of `type` takes. */
function minBytes(type: AnyType, depth = 0): number {
  if (depth > MAX_DEPTH) return 0
  if (type.underlyingType !== undefined) return minBytes(type.underlyingType, depth + 1)
  switch (type.typeName) {
    case 'null':
      return 0
    case 'float':
      return 4
    case 'double':
      return 8
    case 'fixed':
      return type.size ?? 0
    case 'record':
    case 'error':
      return (type.fields ?? []).reduce((sum, f) => sum + minBytes(f.type, depth + 1), 0)
    default:
      return 1 // boolean, int, long, string, bytes, enum, array, map, union
  }
}

type Walk = (at: Cursor) => void

/** One walker per writer type, built on first use: a record costs a few closure calls. */
const compiled = new WeakMap<AnyType, Walk>()

function compile(type: AnyType, depth = 0): Walk {
  const known = compiled.get(type)
  if (known !== undefined) return known
  // Recursive schemas meet themselves here: a forwarding stub breaks the cycle.
  let inner: Walk = () => {
    throw new OutOfBounds()
  }
  const stub: Walk = (at) => inner(at)
  compiled.set(type, stub)
  inner = build(type, depth)
  compiled.set(type, inner)
  return inner
}

const skipLong: Walk = (at) => void at.long()
const skipBytes: Walk = (at) => at.skip(at.long())
const nothing: Walk = () => undefined

function build(type: AnyType, depth: number): Walk {
  if (depth > MAX_DEPTH) return nothing
  if (type.underlyingType !== undefined) return compile(type.underlyingType, depth + 1)
  switch (type.typeName) {
    case 'null':
      return nothing
    case 'boolean':
      return (at) => at.skip(1)
    case 'int':
    case 'long':
    case 'enum':
      return skipLong
    case 'float':
      return (at) => at.skip(4)
    case 'double':
      return (at) => at.skip(8)
    case 'string':
    case 'bytes':
      return skipBytes
    case 'fixed': {
      const size = type.size ?? 0
      return (at) => at.skip(size)
    }
    case 'record':
    case 'error': {
      const fields = (type.fields ?? []).map((f) => compile(f.type, depth + 1))
      return (at) => {
        for (const field of fields) field(at)
      }
    }
    case 'union:wrapped':
    case 'union:unwrapped': {
      const branches = (type.types ?? []).map((t) => compile(t, depth + 1))
      return (at) => {
        const branch = branches[at.long()]
        if (branch === undefined) throw new OutOfBounds()
        branch(at)
      }
    }
    case 'array':
    case 'map': {
      const isMap = type.typeName === 'map'
      const itemType = (isMap ? type.valuesType : type.itemsType) as AnyType
      const item = compile(itemType, depth + 1)
      const perItem = minBytes(itemType) + (isMap ? 1 : 0)
      return (at) => {
        let total = 0
        for (;;) {
          let count = at.long()
          if (count === 0) return
          if (count < 0) {
            count = -count
            at.long() // the block's size in bytes
          }
          total += count
          if (perItem === 0 ? total > MAX_ZERO_SIZE_ITEMS : count * perItem > at.remaining)
            throw new OutOfBounds()
          for (let i = 0; i < count; i++) {
            if (isMap) skipBytes(at)
            item(at)
          }
        }
      }
    }
    default:
      // A type this walk does not know: leave the body to avsc.
      return nothing
  }
}

/** True when every length and count in `body` fits in it, read as `writer` wrote it. */
export function fitsWithin(writer: avro.Type, body: Buffer): boolean {
  try {
    compile(writer as unknown as AnyType)(new Cursor(body))
    return true
  } catch (err) {
    if (err instanceof OutOfBounds || err instanceof RangeError) return false
    throw err
  }
}
