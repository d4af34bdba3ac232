/**
 * CRC-32C (Castagnoli), the checksum of Kafka's RecordBatch v2, eight bytes per step
 * ("slicing-by-8"). kafkajs's own goes a byte at a time; once the rest of the produce encoding
 * got cheap (./patches/produce-encoding.ts), it was a tenth of the produce path's CPU.
 */

const POLYNOMIAL = 0x82f63b78 // reflected

const TABLES: Int32Array[] = (() => {
  const tables = Array.from({ length: 8 }, () => new Int32Array(256))
  const t0 = tables[0] as Int32Array
  for (let i = 0; i < 256; i++) {
    let c = i
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLYNOMIAL : c >>> 1
    t0[i] = c
  }
  for (let t = 1; t < 8; t++) {
    const prev = tables[t - 1] as Int32Array
    const table = tables[t] as Int32Array
    for (let i = 0; i < 256; i++) {
      const p = prev[i] as number
      table[i] = (p >>> 8) ^ (t0[p & 0xff] as number)
    }
  }
  return tables
})()
const [T0, T1, T2, T3, T4, T5, T6, T7] = TABLES as [
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
]

/** The CRC-32C of `data` as an unsigned 32-bit number. */
export function crc32c(data: Uint8Array): number {
  let crc = -1
  let i = 0
  const end8 = data.length - (data.length % 8)
  for (; i < end8; i += 8) {
    crc ^= data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)
    crc =
      T7[crc & 0xff]! ^
      T6[(crc >>> 8) & 0xff]! ^
      T5[(crc >>> 16) & 0xff]! ^
      T4[crc >>> 24]! ^
      T3[data[i + 4]!]! ^
      T2[data[i + 5]!]! ^
      T1[data[i + 6]!]! ^
      T0[data[i + 7]!]!
  }
  for (; i < data.length; i++) crc = T0[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8)
  return (crc ^ -1) >>> 0
}
