/**
 * Command-line options of the bench commands: declared once with their type, default and help,
 * parsed strictly (an unknown flag, a missing or malformed value, a value out of range or a
 * positional argument is an error naming the flag), typed for the caller. `--help` prints the
 * options; cross-field rules go in `check`.
 */
import { parseArgs } from 'node:util'

/** One option: its help, its default, and how its text becomes a value (throws Invalid). */
export interface Option<T> {
  readonly help: string
  readonly flag: boolean
  readonly default: T
  /** Shown after the help: the accepted values. */
  readonly accepts?: string
  read(raw: string): T
}

export type Values<S extends Record<string, Option<unknown>>> = {
  readonly [K in keyof S]: S[K]['default']
}

/** Why the command line was refused. */
export type ArgsErrorCode = 'unknown-option' | 'invalid-value' | 'unexpected-argument' | 'rule'

export class BenchArgsError extends Error {
  constructor(
    readonly code: ArgsErrorCode,
    message: string,
  ) {
    super(message)
    this.name = 'BenchArgsError'
  }
}

/** What a value must be; `read` throws it and the parser names the flag. */
class Invalid extends Error {}

function option<T>(help: string, value: T, read: (raw: string) => T, accepts?: string): Option<T> {
  return { help, flag: false, default: value, read, ...(accepts === undefined ? {} : { accepts }) }
}

function readInteger(raw: string, min: number): number {
  const n = Number(raw)
  if (!/^\s*-?\d+\s*$/.test(raw) || !Number.isSafeInteger(n) || n < min)
    throw new Invalid(`an integer ≥ ${min}`)
  return n
}

/** An integer ≥ `min` (default 0); without a default, undefined when not given. */
export function integer(help: string, o: { default: number; min?: number }): Option<number>
export function integer(help: string, o?: { min?: number }): Option<number | undefined>
export function integer(help: string, o: { default?: number; min?: number } = {}) {
  return option(help, o.default, (raw) => readInteger(raw, o.min ?? 0))
}

/** A finite number in [min, max]. */
export function number(
  help: string,
  o: { default: number; min: number; max: number },
): Option<number> {
  return option(help, o.default, (raw) => {
    const n = Number(raw)
    if (raw.trim() === '' || !Number.isFinite(n) || n < o.min || n > o.max)
      throw new Invalid(`a number in [${o.min}, ${o.max}]`)
    return n
  })
}

export function string(help: string, value: string): Option<string>
export function string(help: string): Option<string | undefined>
export function string(help: string, value?: string) {
  return option(help, value, (raw) => raw)
}

export function choice<const C extends string>(
  help: string,
  choices: readonly C[],
  value: NoInfer<C>,
): Option<C> {
  const accepts = choices.join(' | ')
  return option(
    help,
    value,
    (raw) => {
      if (!choices.includes(raw as C)) throw new Invalid(`one of ${accepts}`)
      return raw as C
    },
    accepts,
  )
}

/** A comma-separated list, each item one of `choices`. */
export function list<const C extends string>(
  help: string,
  value: readonly NoInfer<C>[],
  choices: readonly C[],
): Option<C[]> {
  const accepts = `comma-separated, any of ${choices.join(', ')}`
  return option(
    help,
    [...value],
    (raw) => {
      const items = raw.split(',').filter((item) => item !== '')
      if (items.some((item) => !choices.includes(item as C))) throw new Invalid(accepts)
      return items as C[]
    },
    accepts,
  )
}

/** A comma-separated list of integers ≥ `min`. */
export function integers(help: string, value: readonly number[], min = 0): Option<number[]> {
  return option(help, [...value], (raw) => {
    try {
      return raw.split(',').map((item) => readInteger(item, min))
    } catch {
      throw new Invalid(`a comma-separated list of integers ≥ ${min}`)
    }
  })
}

export function flag(help: string): Option<boolean> {
  return { help, flag: true, default: false, read: () => true }
}

/** The `--help` text: one line per option, with what it accepts and its default. */
export function usage(command: string, spec: Readonly<Record<string, Option<unknown>>>): string {
  const lines = [`usage: ${command} [options]`, '']
  for (const [name, o] of Object.entries(spec)) {
    const shown = o.flag ? `--${name}` : `--${name} X`
    const accepts = o.accepts === undefined ? '' : ` (${o.accepts})`
    const value = Array.isArray(o.default) ? o.default.join(',') : o.default
    const fallback = o.flag || value === undefined ? '' : ` [default: ${String(value)}]`
    lines.push(`  ${shown.padEnd(24)} ${o.help}${accepts}${fallback}`)
  }
  lines.push(`  ${'--help'.padEnd(24)} this text`)
  return lines.join('\n')
}

const CODES: Readonly<Record<string, ArgsErrorCode>> = {
  ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL: 'unexpected-argument',
  ERR_PARSE_ARGS_INVALID_OPTION_VALUE: 'invalid-value',
}

/** Parses `argv` against `spec`; throws BenchArgsError; null for `--help`. */
export function parseBenchArgs<S extends Record<string, Option<unknown>>>(
  spec: S,
  argv: readonly string[],
  check?: (values: Values<S>) => string | undefined,
): Values<S> | null {
  let parsed: ReturnType<typeof parseArgs>
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: 'boolean' },
        ...Object.fromEntries(
          Object.entries(spec).map(([name, o]) => [
            name,
            { type: o.flag ? ('boolean' as const) : ('string' as const) },
          ]),
        ),
      },
    })
  } catch (error) {
    const code = CODES[(error as { code?: string }).code ?? ''] ?? 'unknown-option'
    throw new BenchArgsError(code, (error as Error).message)
  }
  if (parsed.values.help === true) return null
  const values: Record<string, unknown> = {}
  for (const [name, o] of Object.entries(spec)) {
    const raw = parsed.values[name]
    try {
      values[name] = raw === undefined ? o.default : o.read(String(raw))
    } catch (error) {
      if (!(error instanceof Invalid)) throw error
      throw new BenchArgsError(
        'invalid-value',
        `--${name} must be ${error.message}, got '${String(raw)}'`,
      )
    }
  }
  const broken = check?.(values as Values<S>)
  if (broken !== undefined) throw new BenchArgsError('rule', broken)
  return values as Values<S>
}

/**
 * The options of a bench command from process.argv: prints the usage and exits 0 on `--help`,
 * prints the error and the usage and exits 2 on a refused command line.
 */
export function benchArgs<S extends Record<string, Option<unknown>>>(
  command: string,
  spec: S,
  check?: (values: Values<S>) => string | undefined,
): Values<S> {
  try {
    const values = parseBenchArgs(spec, process.argv.slice(2), check)
    if (values !== null) return values
    console.log(usage(command, spec))
    process.exit(0)
  } catch (error) {
    if (!(error instanceof BenchArgsError)) throw error
    console.error(`${command}: ${error.message}\n\n${usage(command, spec)}`)
    process.exit(2)
  }
}
