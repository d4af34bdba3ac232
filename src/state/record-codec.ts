import { Packr } from 'msgpackr'
import { deserialize, serialize } from 'node:v8'

/** Turns typed state records into the bytes a KeyValueStore holds, and back. */
export interface RecordCodec<V> {
  readonly name: string
  encode(value: V): Uint8Array
  decode(bytes: Uint8Array): V
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** Readable bytes; kept for debugging and as the baseline in bench/perf/store.ts. */
export function jsonCodec<V>(): RecordCodec<V> {
  return {
    name: 'json',
    encode: (value) => encoder.encode(JSON.stringify(value)),
    decode: (bytes) => JSON.parse(decoder.decode(bytes)) as V,
  }
}

/** Node's structured-clone format: fast, but tied to the V8 serialisation version. */
export function v8Codec<V>(): RecordCodec<V> {
  return {
    name: 'v8',
    encode: (value) => serialize(value),
    decode: (bytes) => deserialize(bytes) as V,
  }
}

/**
 * MessagePack (msgpackr) without record extensions, so every value is self-describing and
 * a store written by one process decodes in any other. The default codec (docs/state-store.md).
 */
export function msgpackCodec<V>(): RecordCodec<V> {
  const packr = new Packr({ useRecords: false, moreTypes: false, variableMapSize: true })
  return {
    name: 'msgpack',
    encode: (value) => packr.pack(value),
    decode: (bytes) => packr.unpack(bytes) as V,
  }
}
