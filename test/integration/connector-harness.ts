/**
 * Shared by the connector integration tests (producer library, CSV import): what `unifier run`
 * made of the input topic, against what `unifier resolve` makes of the same events.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { startKafkaApp } from '../../src/cli/kafka-app.js'
import { OUTPUT_FILES, runResolve } from '../../src/cli/resolve-run.js'
import { loadIdentityConfig } from '../../src/config/identity-config.js'
import type { ContactEvent, ProfileSnapshot } from '../../src/core/types.js'
import type { ExportedProfile } from '../../src/state/profiles.js'
import {
  currentProfiles,
  SAMPLE_IDENTITY,
  waitCaughtUp,
  type ProcessorEnv,
} from './processor-harness.js'

/** The input topic's events, decoded, each partition in offset order. */
export async function inputEvents(env: ProcessorEnv): Promise<ContactEvent[]> {
  const records = await env.readAll(env.topic('contact-events'))
  return Promise.all(records.map((r) => env.codec.decodeContactEvent(r.value)))
}

/** `unifier resolve` (runResolve) over `events` as an NDJSON file: its profiles.ndjson. */
export async function resolveReference(
  events: readonly ContactEvent[],
): Promise<ExportedProfile[]> {
  const dir = await mkdtemp(join(tmpdir(), 'unifier-reference-'))
  try {
    const input = join(dir, 'events.ndjson')
    await writeFile(input, events.map((e) => `${JSON.stringify(e)}\n`).join(''))
    await runResolve({
      config: await loadIdentityConfig(SAMPLE_IDENTITY),
      input,
      outputDir: join(dir, 'out'),
      stateDir: null,
      store: 'memory',
    })
    const text = await readFile(join(dir, 'out', OUTPUT_FILES.profiles), 'utf8')
    return text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as ExportedProfile)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** A changelog snapshot as profiles.ndjson shows it (no provenance: positions differ). */
function exported(p: ProfileSnapshot): ExportedProfile {
  const { provenance: _provenance, ...rest } = p
  return rest
}

/** `unifier run` over the input topic until caught up; its final profiles, sorted as resolve's. */
export async function processedProfiles(env: ProcessorEnv): Promise<ExportedProfile[]> {
  const config = env.config()
  const app = await startKafkaApp(config, pino({ level: 'warn' }))
  try {
    if (!(await waitCaughtUp(env, config.groupId))) throw new Error('the processor lagged')
  } finally {
    await app.processor.stop()
  }
  const changelog = await env.readAll(env.topic('profile-changelog'))
  return [...(await currentProfiles(env, changelog)).values()]
    .map(exported)
    .sort((a, b) =>
      a.tenant === b.tenant
        ? a.profileId.localeCompare(b.profileId)
        : a.tenant.localeCompare(b.tenant),
    )
}
