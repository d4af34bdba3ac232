/**
 * Phone normalisation benchmark: `npm run bench:phone [-- --count 300000 --rounds 3]`.
 * Nanoseconds per normalisation of a never-seen value (the verdict memo in identifiers.ts
 * answers repeats) for the core's normaliser (src/core/phone.ts) and for the plain library call
 * it replaces, over distinct UK/US numbers in many written forms plus invalid values. The two
 * run in alternating rounds so a busy machine slows both alike; every verdict is compared.
 * Results: printed, and written to bench/results/phone-<ISO date>.json (see docs/benchmarks.md).
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js'
import { createPhoneNormalizer } from '../../src/core/phone.js'
import { phoneInputs, type PhoneInput } from '../gen/phone-inputs.js'
import { benchArgs, integer } from '../lib/args.js'
import { writeResults } from '../lib/results.js'

const args = benchArgs('bench:phone', {
  count: integer('distinct inputs', { default: 300_000, min: 1 }),
  seed: integer('seed of the inputs', { default: 11 }),
  rounds: integer('alternated rounds per normaliser', { default: 3, min: 1 }),
})
const { count, rounds } = args

type Normalize = (raw: string) => string | null

/** What identifiers.ts did before src/core/phone.ts: the library on every value. */
function libraryNormalizer(defaultCountry: string): Normalize {
  return (raw) => {
    const parsed = parsePhoneNumberFromString(raw, defaultCountry as CountryCode)
    return parsed !== undefined && parsed.isValid() ? parsed.number : null
  }
}

const inputs = phoneInputs(count, args.seed)
const byCountry = (make: (c: string) => Normalize) => {
  const gb = make('GB')
  const us = make('US')
  return (x: PhoneInput) => (x.defaultCountry === 'GB' ? gb : us)(x.raw)
}
const library = byCountry(libraryNormalizer)
const core = byCountry(createPhoneNormalizer)

// Same verdict for every input, or the speed means nothing.
let mismatches = 0
let valid = 0
for (const x of inputs) {
  const expected = library(x)
  if (expected !== null) valid++
  if (core(x) !== expected) {
    mismatches++
    if (mismatches <= 10) console.error('verdicts differ:', x, expected, core(x))
  }
}

function nsPer(run: (x: PhoneInput) => string | null): number {
  const start = process.hrtime.bigint()
  let sink = 0
  for (const x of inputs) if (run(x) !== null) sink++
  const ns = Number(process.hrtime.bigint() - start) / inputs.length
  if (sink !== valid) throw new Error('verdict count changed between rounds')
  return Math.round(ns)
}

const libraryNs: number[] = []
const coreNs: number[] = []
for (let r = 0; r < rounds; r++) {
  libraryNs.push(nsPer(library))
  coreNs.push(nsPer(core))
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number

const results = {
  inputs: inputs.length,
  validInputs: valid,
  mismatches,
  rounds,
  nsPerNormalisation: {
    library: { median: median(libraryNs), rounds: libraryNs },
    core: { median: median(coreNs), rounds: coreNs },
  },
  speedup: Math.round((median(libraryNs) / median(coreNs)) * 10) / 10,
}
console.log(JSON.stringify(results, null, 2))
console.log(`written ${await writeResults('phone', results)}`)
if (mismatches > 0) process.exitCode = 1
