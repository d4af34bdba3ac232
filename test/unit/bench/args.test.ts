import { describe, expect, it } from 'vitest'
import {
  BenchArgsError,
  choice,
  flag,
  integer,
  integers,
  list,
  number,
  parseBenchArgs,
  string,
  usage,
} from '../../../bench/lib/args.js'

const spec = {
  events: integer('events', { default: 100, min: 1 }),
  persons: integer('persons'),
  share: number('share', { default: 0.01, min: 0, max: 1 }),
  out: string('dir', 'out'),
  json: string('file'),
  processor: choice('where', ['child', 'in-process'], 'child'),
  stores: list('stores', ['memory'], ['memory', 'rocksdb']),
  sizes: integers('sizes', [2, 20_000], 1),
  built: flag('built'),
}

function refused(argv: string[]): BenchArgsError {
  try {
    parseBenchArgs(spec, argv)
  } catch (error) {
    if (error instanceof BenchArgsError) return error
    throw error
  }
  throw new Error(`accepted ${argv.join(' ')}`)
}

describe('bench command lines', () => {
  it('gives the defaults, typed, when no flag is given', () => {
    expect(parseBenchArgs(spec, [])).toEqual({
      events: 100,
      persons: undefined,
      share: 0.01,
      out: 'out',
      json: undefined,
      processor: 'child',
      stores: ['memory'],
      sizes: [2, 20_000],
      built: false,
    })
  })

  it('converts every kind of value', () => {
    const values = parseBenchArgs(spec, [
      '--events',
      '5',
      '--persons=7',
      '--share',
      '0.5',
      '--json',
      'r.json',
      '--processor',
      'in-process',
      '--stores',
      'rocksdb,memory',
      '--sizes',
      '3,4',
      '--built',
    ])
    expect(values).toMatchObject({
      events: 5,
      persons: 7,
      share: 0.5,
      json: 'r.json',
      processor: 'in-process',
      stores: ['rocksdb', 'memory'],
      sizes: [3, 4],
      built: true,
    })
  })

  it('refuses an unknown flag, a positional argument and a flag without its value', () => {
    expect(refused(['--event', '5']).code).toBe('unknown-option')
    expect(refused(['5']).code).toBe('unexpected-argument')
    expect(refused(['--events']).code).toBe('invalid-value')
  })

  it('refuses malformed and out-of-range values, naming the flag', () => {
    for (const argv of [
      ['--events', '1e5'],
      ['--events', '0'],
      ['--events', 'ten'],
      ['--share', '2'],
      ['--share', ''],
      ['--processor', 'thread'],
      ['--stores', 'memory,level'],
      ['--sizes', '2,x'],
      ['--sizes', '0'],
    ]) {
      const error = refused(argv)
      expect(error.code).toBe('invalid-value')
      expect(error.message).toContain(argv[0])
    }
  })

  it('applies the cross-field rule after the values are valid', () => {
    const check = (v: { processor: string; built: boolean }) =>
      v.built && v.processor !== 'child' ? '--built needs --processor child' : undefined
    expect(() => parseBenchArgs(spec, ['--built', '--processor', 'in-process'], check)).toThrow(
      BenchArgsError,
    )
    expect(parseBenchArgs(spec, ['--built'], check)?.built).toBe(true)
  })

  it('answers --help with null and lists every option with its default', () => {
    expect(parseBenchArgs(spec, ['--help'])).toBeNull()
    const text = usage('bench:test', spec)
    for (const name of Object.keys(spec)) expect(text).toContain(`--${name}`)
    expect(text).toContain('(child | in-process)')
    expect(text).toContain('[default: 2,20000]')
  })
})
