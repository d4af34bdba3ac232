import { createRequire } from 'node:module'
import { crc32c } from '../crc32c.js'
import { KafkajsPatchError } from './errors.js'

/**
 * A cheaper encoder for kafkajs's Produce request (v3, which v4-v7 reuse), put in place of
 * kafkajs's own. kafkajs builds every record in its own zero-filled 512-byte Encoder, spreads
 * each message into a new object, and copies each record's bytes four more times on the way up
 * to the request (record → batch body → batch → record set → partition → topic); for the ~6
 * small records per event the processor writes, that was most of the produce path's CPU and
 * garbage. This writes the same bytes once into one buffer of the exact size.
 *
 * Only the common case takes this path: no compression, no headers, no per-message timestamps,
 * keys and values Buffers, strings or null. Anything else goes to kafkajs's encoder unchanged.
 * kafkajs is pinned (./index.ts checks the version) and the patch is checked byte for byte
 * against its encoder in test/unit/kafka/produce-encoding.test.ts.
 */

const require = createRequire(import.meta.url)

interface KafkajsEncoder {
  buf: Buffer
  offset: number
}
type EncoderClass = new (initialSize?: number) => KafkajsEncoder
interface LongValue {
  getHighBits(): number
  getLowBits(): number
}
interface LongClass {
  fromValue(value: unknown): LongValue
}

interface ProduceMessage {
  readonly key?: Buffer | string | null
  readonly value?: Buffer | string | null
  readonly headers?: Record<string, unknown>
  readonly timestamp?: unknown
}
interface ProducePartition {
  readonly partition: number
  readonly firstSequence?: number
  readonly messages: readonly ProduceMessage[]
}
interface ProduceTopic {
  readonly topic: string
  readonly partitions: readonly ProducePartition[]
}
export interface ProduceRequestArgs {
  readonly acks: number
  readonly timeout: number
  readonly transactionalId?: string | null
  readonly producerId?: unknown
  readonly producerEpoch?: number
  readonly compression?: number
  readonly topicData: readonly ProduceTopic[]
}
interface ProduceRequest {
  encode(): Promise<KafkajsEncoder>
}
type ProduceRequestFactory = (args: ProduceRequestArgs) => ProduceRequest

const REQUEST_MODULE = 'kafkajs/src/protocol/requests/produce/v3/request.js'
const Encoder = require('kafkajs/src/protocol/encoder.js') as EncoderClass
const Long = require('kafkajs/src/utils/long.js') as LongClass

const MAGIC_BYTE = 2
const TRANSACTIONAL_ATTRIBUTE = 16
/** Partition, record-set size, first offset, batch length, leader epoch, magic, CRC, attributes,
 * last offset delta, two timestamps, producer id and epoch, first sequence, record count. */
const PARTITION_OVERHEAD = 4 + 4 + 8 + 4 + 4 + 1 + 4 + 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4

const zigZag = (value: number): number => ((value << 1) ^ (value >> 31)) >>> 0

function sizeOfVarInt(value: number): number {
  let v = zigZag(value)
  let bytes = 1
  while (v >= 0x80) {
    bytes++
    v >>>= 7
  }
  return bytes
}

function writeVarInt(buf: Buffer, offset: number, value: number): number {
  let v = zigZag(value)
  while (v >= 0x80) {
    buf[offset++] = (v & 0x7f) | 0x80
    v >>>= 7
  }
  buf[offset++] = v
  return offset
}

const byteLength = (data: Buffer | string | null | undefined): number =>
  data == null ? -1 : typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.length

/** Record body: attributes, timestamp delta (always 0 here), offset delta, key, value, no headers. */
function recordBodySize(offsetDelta: number, keyLength: number, valueLength: number): number {
  return (
    1 +
    1 +
    sizeOfVarInt(offsetDelta) +
    sizeOfVarInt(keyLength) +
    Math.max(keyLength, 0) +
    sizeOfVarInt(valueLength) +
    Math.max(valueLength, 0) +
    1
  )
}

function writeData(buf: Buffer, offset: number, data: Buffer | string | null | undefined): number {
  if (data == null) return writeVarInt(buf, offset, -1)
  if (typeof data === 'string') {
    const length = Buffer.byteLength(data, 'utf8')
    offset = writeVarInt(buf, offset, length)
    return offset + buf.write(data, offset, length, 'utf8')
  }
  offset = writeVarInt(buf, offset, data.length)
  return offset + data.copy(buf, offset)
}

function fastPathApplies(args: ProduceRequestArgs): boolean {
  if ((args.compression ?? 0) !== 0) return false
  for (const topic of args.topicData) {
    for (const partition of topic.partitions) {
      if (partition.messages.length === 0) return false
      for (const m of partition.messages) {
        if (m.timestamp != null) return false
        if (m.headers != null && Object.keys(m.headers).length > 0) return false
        for (const data of [m.key, m.value]) {
          if (data != null && typeof data !== 'string' && !Buffer.isBuffer(data)) return false
        }
      }
    }
  }
  return true
}

/**
 * The Produce v3 request body as kafkajs writes it (transactional id, acks, timeout, topics →
 * partitions → one uncompressed RecordBatch v2 each), or null when only kafkajs can encode it.
 */
export function encodeProduceRequest(args: ProduceRequestArgs, now: number): Buffer | null {
  if (!fastPathApplies(args)) return null
  const transactionalId = args.transactionalId ?? null
  let size = 2 + (transactionalId === null ? 0 : Buffer.byteLength(transactionalId)) + 2 + 4 + 4
  // Sizes are computed once and kept, in order, for the writing pass.
  const recordSizes: number[] = []
  for (const topic of args.topicData) {
    size += 2 + Buffer.byteLength(topic.topic) + 4
    for (const partition of topic.partitions) {
      size += PARTITION_OVERHEAD
      partition.messages.forEach((m, i) => {
        const body = recordBodySize(i, byteLength(m.key), byteLength(m.value))
        recordSizes.push(body)
        size += sizeOfVarInt(body) + body
      })
    }
  }

  const buf = Buffer.allocUnsafe(size)
  let o = 0
  if (transactionalId === null) {
    o = buf.writeInt16BE(-1, o)
  } else {
    o = buf.writeInt16BE(Buffer.byteLength(transactionalId), o)
    o += buf.write(transactionalId, o, 'utf8')
  }
  o = buf.writeInt16BE(args.acks, o)
  o = buf.writeInt32BE(args.timeout, o)
  o = buf.writeInt32BE(args.topicData.length, o)
  const producerId = Long.fromValue(args.producerId ?? -1)
  const attributes = transactionalId === null ? 0 : TRANSACTIONAL_ATTRIBUTE
  const timestamp = BigInt(now)
  let record = 0
  for (const topic of args.topicData) {
    o = buf.writeInt16BE(Buffer.byteLength(topic.topic), o)
    o += buf.write(topic.topic, o, 'utf8')
    o = buf.writeInt32BE(topic.partitions.length, o)
    for (const partition of topic.partitions) {
      o = buf.writeInt32BE(partition.partition, o)
      const recordSetSizeAt = o
      o += 4
      const recordSetStart = o
      o = buf.writeBigInt64BE(0n, o) // first offset: the broker assigns it
      const batchLengthAt = o
      o += 4
      const batchStart = o
      o = buf.writeInt32BE(0, o) // partition leader epoch
      o = buf.writeInt8(MAGIC_BYTE, o)
      const crcAt = o
      o += 4
      const bodyStart = o
      o = buf.writeInt16BE(attributes, o)
      o = buf.writeInt32BE(partition.messages.length - 1, o)
      o = buf.writeBigInt64BE(timestamp, o)
      o = buf.writeBigInt64BE(timestamp, o)
      o = buf.writeInt32BE(producerId.getHighBits(), o)
      o = buf.writeInt32BE(producerId.getLowBits(), o)
      o = buf.writeInt16BE(args.producerEpoch ?? 0, o)
      o = buf.writeInt32BE(partition.firstSequence ?? 0, o)
      o = buf.writeInt32BE(partition.messages.length, o)
      for (let i = 0; i < partition.messages.length; i++) {
        const m = partition.messages[i] as ProduceMessage
        o = writeVarInt(buf, o, recordSizes[record++] as number)
        buf[o++] = 0 // attributes
        buf[o++] = 0 // timestamp delta: every record carries the batch's timestamp
        o = writeVarInt(buf, o, i)
        o = writeData(buf, o, m.key)
        o = writeData(buf, o, m.value)
        buf[o++] = 0 // no headers
      }
      buf.writeUInt32BE(crc32c(buf.subarray(bodyStart, o)), crcAt)
      buf.writeInt32BE(o - batchStart, batchLengthAt)
      buf.writeInt32BE(o - recordSetStart, recordSetSizeAt)
    }
  }
  if (o !== size) throw new Error(`produce request encoded ${o} bytes, expected ${size}`)
  return buf
}

/** Where the patched factory keeps kafkajs's own, so a second install (another module instance
 * in the same process, as under vitest) neither wraps twice nor loses it. */
const KAFKAJS_ENCODER = Symbol.for('profile-unifier/kafkajs-produce-v3-request')
type PatchedFactory = ProduceRequestFactory & { [KAFKAJS_ENCODER]?: ProduceRequestFactory }

/** kafkajs's own Produce v3 request factory, whether or not the patch is installed. */
export function kafkajsProduceRequest(): ProduceRequestFactory {
  const current = require(REQUEST_MODULE) as PatchedFactory
  return current[KAFKAJS_ENCODER] ?? current
}

/**
 * Puts the encoder in place of kafkajs's Produce request encoders (v3, and v4-v7, which reuse
 * v3's). kafkajs loads them lazily at the first produce and looks each version up in the module
 * cache on every request, so patching the cached modules takes effect whenever it runs; versions
 * not loaded yet pick up the patched v3 when they load. Idempotent.
 */
export function installFastProduceEncoding(): void {
  for (const version of [3, 4, 5, 6, 7]) {
    const path = require.resolve(REQUEST_MODULE.replace('/v3/', `/v${version}/`))
    if (version !== 3 && require.cache[path] === undefined) continue
    const original = require(path) as PatchedFactory
    if (original[KAFKAJS_ENCODER] !== undefined) continue
    const cached = require.cache[path]
    if (cached === undefined) {
      throw new KafkajsPatchError('kafkajs-internals-changed', `${path} is not in the module cache`)
    }
    cached.exports = withFastEncode(original)
  }
}

function withFastEncode(original: ProduceRequestFactory): PatchedFactory {
  const patched: PatchedFactory = (args) => {
    const request = original(args)
    const kafkajsEncode = request.encode.bind(request)
    request.encode = async () => {
      const bytes = encodeProduceRequest(args, Date.now())
      if (bytes === null) return kafkajsEncode()
      const encoder = new Encoder(0)
      encoder.buf = bytes
      encoder.offset = bytes.length
      return encoder
    }
    return request
  }
  patched[KAFKAJS_ENCODER] = original
  return patched
}
