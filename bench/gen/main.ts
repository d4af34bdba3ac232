/**
 * `npm run gen -- --persons N --seed S --out DIR`: a synthetic population with known truth
 * (docs/accuracy.md). Writes events.ndjson, increment.ndjson (the last 1% of the period),
 * truth.ndjson and manifest.json.
 */
import { parseArgs } from 'node:util'
import { generate } from './generate.js'

const { values } = parseArgs({
  options: {
    persons: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string', default: 'bench/data/gen' },
    'increment-share': { type: 'string', default: '0.01' },
  },
})

function positiveInteger(name: string, text: string | undefined): number {
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < 0) {
    console.error(`--${name} must be a non-negative integer, got ${text}`)
    process.exit(1)
  }
  return value
}

const started = performance.now()
const summary = await generate({
  persons: positiveInteger('persons', values.persons),
  seed: positiveInteger('seed', values.seed),
  outDir: values.out as string,
  incrementShare: Number(values['increment-share']),
})
const seconds = ((performance.now() - started) / 1000).toFixed(1)
console.error(
  `generated ${summary.persons} persons, ${summary.events} + ${summary.incrementEvents} increment lines ` +
    `(${summary.duplicates} duplicates, ${summary.brokenLines} broken, ${summary.connectingEvents} connecting) in ${seconds} s → ${values.out}`,
)
