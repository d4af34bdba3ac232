/**
 * Command-line options of the bench commands: declared once with their type, default and help,
 * parsed strictly (an unknown flag, a missing or malformed value, a value out of range or a
 * positional argument is an error naming the flag), typed for the caller. `--help` prints the
 * options. Cross-field rules go in `check`.
 */
import { parseArgs } from 'node:util'

interface Described {
  readonly help: string
}
export interface IntegerOption extends Described {
  readonly type: 'integer'
  readonly default?: number
  readonly min: number
}
export interface NumberOption extends Described {
  readonly type: 'number'
  readonly default?: number
  readonly min: number
  readonly max: number
}
export interface StringOption extends Described {
  readonly type: 'string'
  readonly default?: string
}
export interface ChoiceOption<C extends string = string> extends Described {
  readonly type: 'choice'
  readonly choices: readonly C[]
  readonly default: C
}
/** A comma-separated list, each item one of `choices` when given. */
export interface ListOption<C extends string = string> extends Described {
  readonly type: 'list'
  readonly choices?: readonly C[]
  readonly default: readonly C[]
}
/** A comma-separated list of integers ≥ `min`. */
export interface IntegersOption extends Described {
  readonly type: 'integers'
  readonly min: number
  readonly default: readonly number[]
}
export interface FlagOption extends Described {
  readonly type: 'flag'
}
export type OptionSpec =
  | IntegerOption
  | NumberOption
  | StringOption
  | ChoiceOption
  | ListOption
  | IntegersOption
  | FlagOption

type ValueOf<O> = O extends { readonly type: 'integer' | 'number'; readonly default: number }
  ? number
  : O extends { readonly type: 'integer' | 'number' }
    ? number | undefined
    : O extends { readonly type: 'string'; readonly default: string }
      ? string
      : O extends { readonly type: 'string' }
        ? string | undefined
        : O extends ChoiceOption<infer C>
          ? C
          : O extends ListOption<infer C>
            ? C[]
            : O extends IntegersOption
              ? number[]
              : O extends FlagOption
                ? boolean
                : never

export type Values<S extends Record<string, OptionSpec>> = {
  readonly [K in keyof S]: ValueOf<S[K]>
}

/** An integer ≥ `min` (default 0). */
export function integer(
  help: string,
  options: { default: number; min?: number },
): IntegerOption & { default: number }
export function integer(help: string, options?: { min?: number }): IntegerOption
export function integer(help: string, options: { default?: number; min?: number } = {}) {
  return { type: 'integer', help, min: options.min ?? 0, ...pickDefault(options) }
}

/** A finite number in [min, max] (default: any finite number). */
export function number(
  help: string,
  options: { default: number; min?: number; max?: number },
): NumberOption & { default: number }
export function number(help: string, options?: { min?: number; max?: number }): NumberOption
export function number(
  help: string,
  options: { default?: number; min?: number; max?: number } = {},
) {
  return {
    type: 'number',
    help,
    min: options.min ?? -Infinity,
    max: options.max ?? Infinity,
    ...pickDefault(options),
  }
}

export function string(help: string, value: string): StringOption & { default: string }
export function string(help: string): StringOption
export function string(help: string, value?: string) {
  return { type: 'string', help, ...(value === undefined ? {} : { default: value }) }
}

export function choice<const C extends string>(
  help: string,
  choices: readonly C[],
  value: NoInfer<C>,
): ChoiceOption<C> {
  return { type: 'choice', help, choices, default: value }
}

export function list<const C extends string>(
  help: string,
  value: readonly NoInfer<C>[],
  choices?: readonly C[],
): ListOption<C> {
  return { type: 'list', help, default: value, ...(choices === undefined ? {} : { choices }) }
}

export function integers(help: string, value: readonly number[], min = 0): IntegersOption {
  return { type: 'integers', help, min, default: value }
}

export function flag(help: string): FlagOption {
  return { type: 'flag', help }
}

function pickDefault(options: { default?: number }): { default?: number } {
  return options.default === undefined ? {} : { default: options.default }
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

/** The `--help` text: one line per option with its default. */
export function usage(command: string, spec: Readonly<Record<string, OptionSpec>>): string {
  const lines = [`usage: ${command} [options]`, '']
  for (const [name, option] of Object.entries(spec)) {
    const shown =
      option.type === 'flag'
        ? `--${name}`
        : `--${name} ${option.type === 'list' || option.type === 'integers' ? 'A,B' : 'X'}`
    const range =
      option.type === 'choice'
        ? ` (${option.choices.join(' | ')})`
        : option.type === 'list' && option.choices !== undefined
          ? ` (any of ${option.choices.join(', ')})`
          : ''
    const fallback =
      option.type === 'flag' || option.default === undefined
        ? ''
        : ` [default: ${Array.isArray(option.default) ? option.default.join(',') : String(option.default)}]`
    lines.push(`  ${shown.padEnd(28)} ${option.help}${range}${fallback}`)
  }
  lines.push(`  ${'--help'.padEnd(28)} this text`)
  return lines.join('\n')
}

/**
 * Parses `argv` against `spec`; throws BenchArgsError. Returns null for `--help` (the caller
 * prints the usage).
 */
export function parseBenchArgs<const S extends Record<string, OptionSpec>>(
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
            { type: o.type === 'flag' ? ('boolean' as const) : ('string' as const) },
          ]),
        ),
      },
    })
  } catch (error) {
    const code = (error as { code?: string }).code
    throw new BenchArgsError(
      code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL'
        ? 'unexpected-argument'
        : code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE'
          ? 'invalid-value'
          : 'unknown-option',
      (error as Error).message,
    )
  }
  if (parsed.values.help === true) return null
  const values: Record<string, unknown> = {}
  for (const [name, option] of Object.entries(spec)) {
    const raw = parsed.values[name]
    values[name] =
      raw === undefined
        ? option.type === 'flag'
          ? false
          : option.default
        : convert(name, option, raw as string | boolean)
  }
  const typed = values as Values<S>
  const broken = check?.(typed)
  if (broken !== undefined) throw new BenchArgsError('rule', broken)
  return typed
}

function convert(name: string, option: OptionSpec, raw: string | boolean): unknown {
  const invalid = (wanted: string) =>
    new BenchArgsError('invalid-value', `--${name} must be ${wanted}, got '${String(raw)}'`)
  switch (option.type) {
    case 'flag':
      return raw === true
    case 'string':
      return raw
    case 'integer': {
      const n = Number(raw)
      if (!/^-?\d+$/.test(String(raw)) || !Number.isSafeInteger(n) || n < option.min)
        throw invalid(`an integer ≥ ${option.min}`)
      return n
    }
    case 'number': {
      const n = Number(raw)
      if (String(raw).trim() === '' || !Number.isFinite(n) || n < option.min || n > option.max)
        throw invalid(`a number in [${option.min}, ${option.max}]`)
      return n
    }
    case 'choice':
      if (!option.choices.includes(String(raw)))
        throw invalid(`one of ${option.choices.join(', ')}`)
      return raw
    case 'integers': {
      const items = String(raw).split(',')
      const numbers = items.map(Number)
      if (
        items.some((item) => !/^\s*-?\d+\s*$/.test(item)) ||
        numbers.some((n) => !Number.isSafeInteger(n) || n < option.min)
      )
        throw invalid(`a comma-separated list of integers ≥ ${option.min}`)
      return numbers
    }
    case 'list': {
      const items = String(raw)
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '')
      const allowed = option.choices
      const wrong = allowed === undefined ? [] : items.filter((item) => !allowed.includes(item))
      if (wrong.length > 0 && allowed !== undefined)
        throw invalid(`a comma-separated list of ${allowed.join(', ')}`)
      return items
    }
  }
}

/**
 * The options of a bench command from process.argv: prints the usage and exits 0 on `--help`,
 * prints the error and the usage and exits 2 on a refused command line.
 */
export function benchArgs<const S extends Record<string, OptionSpec>>(
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
