import { describe, expect, it } from 'vitest'
import { isUuid7, uuid7, uuid7Generator, uuid7Time } from '../../../src/connectors/uuid7.js'

describe('uuid7', () => {
  it('has the RFC 9562 version 7 layout and carries the time it was made', () => {
    const at = Date.parse('2026-12-04T17:00:00.123Z')
    const id = uuid7Generator(() => at)()
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(isUuid7(id)).toBe(true)
    expect(uuid7Time(id)).toBe(at)
  })

  it('sorts in the order made, within one millisecond and when the clock steps back', () => {
    let t = 1_700_000_000_000
    const clock = [0, 0, 0, 1, 1, -5, -5, 2, 2, 2]
    let i = 0
    const next = uuid7Generator(() => t + (clock[i++ % clock.length] as number))
    const ids = Array.from({ length: 10_000 }, () => {
      if (i % 997 === 0) t += 1
      return next()
    })
    expect(new Set(ids).size).toBe(ids.length)
    expect([...ids].sort()).toEqual(ids)
  })

  it('borrows the next millisecond when 4,096 ids are made within one', () => {
    const at = 1_700_000_000_000
    // a random source of zeros: the counter starts at 0 and overflows after 4,096 ids
    const next = uuid7Generator(
      () => at,
      (bytes) => bytes.fill(0),
    )
    const ids = Array.from({ length: 4_097 }, () => next())
    expect(uuid7Time(ids[4_095] as string)).toBe(at)
    expect(uuid7Time(ids[4_096] as string)).toBe(at + 1)
    expect([...ids].sort()).toEqual(ids)
  })

  it('differs between calls with the process-wide generator', () => {
    const a = uuid7()
    const b = uuid7()
    expect(a).not.toBe(b)
    expect(b > a).toBe(true)
  })
})
