/**
 * `npm run gen -- --persons N --seed S --out DIR [--mix accuracy|realistic]`: a synthetic population with known truth
 * (docs/accuracy.md). Writes events.ndjson, increment.ndjson (the last 1% of the period),
 * truth.ndjson and manifest.json.
 */
import { benchArgs, choice, integer, number, string } from '../lib/args.js'
import { MIXES } from './events.js'
import { generate } from './generate.js'

const values = benchArgs('gen', {
  persons: integer('persons (about 22.6 lines each)', { default: 10_000, min: 1 }),
  seed: integer('seed: the same seed and persons give the same bytes', { default: 1 }),
  out: string('output directory', 'bench/data/gen'),
  mix: choice(
    'traffic mix: accuracy (the scored dataset) or realistic (mostly follow-ups on known identifiers: purchases, attribute changes, notes)',
    MIXES,
    'accuracy',
  ),
  'increment-share': number('share of the period, at its end, written to increment.ndjson', {
    default: 0.01,
    min: 0,
    max: 1,
  }),
})

const started = performance.now()
const summary = await generate({
  persons: values.persons,
  seed: values.seed,
  outDir: values.out,
  incrementShare: values['increment-share'],
  mix: values.mix,
})
const seconds = ((performance.now() - started) / 1000).toFixed(1)
console.error(
  `generated ${summary.persons} persons, ${summary.events} + ${summary.incrementEvents} increment lines ` +
    `(${summary.duplicates} duplicates, ${summary.brokenLines} broken, ${summary.connectingEvents} connecting) in ${seconds} s → ${values.out}`,
)
