/**
 * Streams a synthetic population to disk, one cohort of persons at a time, so 10 million
 * events take the memory of one cohort. Same options and seed → same bytes.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { NdjsonFile } from '../lib/ndjson-file.js'
import type { ContactEvent } from '../../src/core/types.js'
import { EventDrafter, eventShapeOf, PLACEHOLDERS, type DraftEvent, type Mix } from './events.js'
import { DAY, DEFAULT_SHAPE, PopulationBuilder, type PopulationShape } from './population.js'
import { Prng } from './prng.js'
import { cohortTruth, type TruthRecord } from './truth.js'

export const TENANT = 'acme'
/** Average lines per person of the default shape (measured), to size runs by events. */
export const LINES_PER_PERSON = 22.6
export const FILES = {
  events: 'events.ndjson',
  increment: 'increment.ndjson',
  truth: 'truth.ndjson',
  manifest: 'manifest.json',
} as const

export interface GenerateOptions {
  readonly persons: number
  readonly seed: number
  readonly outDir: string
  /** Share of the simulated period, at its end, written to increment.ndjson instead. */
  readonly incrementShare?: number
  readonly cohortSize?: number
  /** Share of lines followed by a broken copy (truncated JSON, misspelt field). */
  readonly brokenShare?: number
  readonly shape?: Partial<PopulationShape>
  /** `realistic` adds follow-ups on known identifiers (REALISTIC_EVENT_SHAPE); default `accuracy`. */
  readonly mix?: Mix
}

export interface GenerateSummary {
  readonly persons: number
  readonly seed: number
  readonly events: number
  readonly incrementEvents: number
  readonly duplicates: number
  readonly brokenLines: number
  /** Events added so each person's identifiers are tied together (bench/gen/connect.ts). */
  readonly connectingEvents: number
  readonly connectingByType: Readonly<Record<string, number>>
  readonly truthRecords: number
}

// Channels that export from a database send epoch ms; the others send ISO-8601 text.
const EPOCH_SOURCES = new Set(['store', 'crm'])

function serialise(event: DraftEvent): string {
  return JSON.stringify({
    eventId: event.eventId,
    tenant: TENANT,
    type: event.note === undefined ? 'identify' : 'note',
    source: event.source,
    timestamp: EPOCH_SOURCES.has(event.source) ? event.time : new Date(event.time).toISOString(),
    identifiers: event.identifiers,
    attributes: event.attributes,
    ...(event.note === undefined ? {} : { note: event.note }),
  })
}

/** A draft as the pipeline receives it, under `tenant`. */
export function contactEvent(event: DraftEvent, tenant: string): ContactEvent {
  return {
    eventId: event.eventId,
    tenant,
    type: event.note === undefined ? 'identify' : 'note',
    source: event.source,
    timestamp: event.time,
    identifiers: event.identifiers,
    attributes: event.attributes,
    note: event.note ?? null,
  }
}

/**
 * The generated population as a stream of events in arrival order within each cohort (the
 * benchmarks' realistic workload), with its redeliveries and without broken lines or files:
 * `events` events of `tenant` at most, same seed → same events.
 */
export function* generatedEvents(options: {
  readonly tenant: string
  readonly events: number
  readonly seed: number
  readonly mix?: Mix
  readonly cohortSize?: number
}): Generator<ContactEvent> {
  const eventShape = eventShapeOf(options.mix ?? 'realistic')
  // A cohort's events span the whole period (about 90 per person with follow-ups): small
  // cohorts make any prefix of the stream hold whole histories, so the mix does not depend on
  // the size asked for.
  const cohortSize = options.cohortSize ?? 25
  const rng = new Prng(options.seed)
  const builder = new PopulationBuilder(rng, DEFAULT_SHAPE)
  let emitted = 0
  for (let first = 0; emitted < options.events; first += cohortSize) {
    const cohort = builder.cohort(first, cohortSize)
    const drafter = new EventDrafter(rng, eventShape, first.toString(36))
    const lines: { arrival: number; order: number; event: DraftEvent }[] = []
    for (const draft of drafter.draft(cohort, DEFAULT_SHAPE.start, DEFAULT_SHAPE.days)) {
      lines.push({ arrival: draft.arrival, order: lines.length, event: draft })
      if (rng.chance(eventShape.duplicateShare)) {
        const redelivered = draft.arrival + rng.int(1, 2 * 3_600_000)
        lines.push({ arrival: redelivered, order: lines.length, event: draft })
      }
    }
    lines.sort((a, b) => a.arrival - b.arrival || a.order - b.order)
    for (const line of lines) {
      if (emitted >= options.events) return
      emitted++
      yield contactEvent(line.event, options.tenant)
    }
  }
}

function broken(rng: Prng, line: string): string {
  return rng.chance(0.5)
    ? line.slice(0, Math.floor(line.length / 2))
    : line.replace('"identifiers"', '"identifers"')
}

export async function generate(options: GenerateOptions): Promise<GenerateSummary> {
  const shape = { ...DEFAULT_SHAPE, ...options.shape }
  const mix = options.mix ?? 'accuracy'
  const eventShape = eventShapeOf(mix)
  const cohortSize = options.cohortSize ?? 1000
  const incrementShare = options.incrementShare ?? 0.01
  const brokenShare = options.brokenShare ?? 0.0002
  const rng = new Prng(options.seed)
  const builder = new PopulationBuilder(rng, shape)
  const cut = shape.start + Math.round(shape.days * (1 - incrementShare) * DAY)
  await mkdir(options.outDir, { recursive: true })
  const events = new NdjsonFile(join(options.outDir, FILES.events))
  const increment = new NdjsonFile(join(options.outDir, FILES.increment))
  const truth = new NdjsonFile(join(options.outDir, FILES.truth))
  let duplicates = 0
  let brokenLines = 0
  const connectingByType: Record<string, number> = {}
  try {
    for (let first = 0; first < options.persons; first += cohortSize) {
      const cohort = builder.cohort(first, Math.min(cohortSize, options.persons - first))
      const drafter = new EventDrafter(rng, eventShape, first.toString(36))
      const drafts = drafter.draft(cohort, shape.start, shape.days)
      for (const [type, n] of Object.entries(drafter.connectingByType)) {
        connectingByType[type] = (connectingByType[type] ?? 0) + n
      }
      const lines: { arrival: number; order: number; text: string }[] = []
      for (const draft of drafts) {
        const text = serialise(draft)
        lines.push({ arrival: draft.arrival, order: lines.length, text })
        if (rng.chance(eventShape.duplicateShare)) {
          duplicates++
          const redelivered = draft.arrival + rng.int(1, 2 * 3_600_000)
          lines.push({ arrival: redelivered, order: lines.length, text })
        }
        if (rng.chance(brokenShare)) {
          brokenLines++
          lines.push({ arrival: draft.arrival, order: lines.length, text: broken(rng, text) })
        }
      }
      lines.sort((a, b) => a.arrival - b.arrival || a.order - b.order)
      await events.writeLines(lines.filter((l) => l.arrival < cut).map((l) => l.text))
      await increment.writeLines(lines.filter((l) => l.arrival >= cut).map((l) => l.text))
      // Follow-ups repeat identifiers their person already sent: no new evidence for the truth.
      const evidence = drafts.filter((draft) => draft.followUp !== true)
      await truth.writeLines(cohortTruth(cohort, evidence).map((record) => JSON.stringify(record)))
    }
    const placeholders = Object.entries(PLACEHOLDERS).flatMap(([type, values]) =>
      values.map((value): TruthRecord => ({ type, value, person: null, status: 'placeholder' })),
    )
    await truth.writeLines(placeholders.map((record) => JSON.stringify(record)))
  } finally {
    await Promise.all([events.close(), increment.close(), truth.close()])
  }
  const summary: GenerateSummary = {
    persons: options.persons,
    seed: options.seed,
    events: events.lines,
    incrementEvents: increment.lines,
    duplicates,
    brokenLines,
    connectingEvents: Object.values(connectingByType).reduce((sum, n) => sum + n, 0),
    connectingByType,
    truthRecords: truth.lines,
  }
  await writeFile(
    join(options.outDir, FILES.manifest),
    `${JSON.stringify({ ...summary, mix, shape, incrementShare, cohortSize, brokenShare }, null, 2)}\n`,
  )
  return summary
}
