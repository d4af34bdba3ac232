import { DecodeError } from './errors.js'

/**
 * The Confluent wire format: magic byte 0, the 4-byte big-endian schema id, then the Avro body.
 * The registry client writes it; we read the header ourselves so that bad bytes become a typed
 * DecodeError before anything asks the registry about a nonsense id.
 */
export const MAGIC_BYTE = 0
export const HEADER_BYTES = 5

export interface WireHeader {
  readonly schemaId: number
  readonly body: Buffer
}

export function readWireHeader(bytes: Buffer): WireHeader {
  if (bytes.length < HEADER_BYTES) {
    throw new DecodeError(
      'undecodable',
      `not in the Confluent wire format: ${bytes.length} bytes, shorter than the 5-byte header`,
    )
  }
  if (bytes[0] !== MAGIC_BYTE) {
    throw new DecodeError(
      'undecodable',
      `not in the Confluent wire format: first byte is ${bytes[0]}, expected magic byte 0`,
    )
  }
  const schemaId = bytes.readInt32BE(1)
  if (schemaId <= 0) {
    throw new DecodeError('unknown-schema', `schema id ${schemaId} in the wire header is not valid`)
  }
  return { schemaId, body: bytes.subarray(HEADER_BYTES) }
}
