/**
 * `unifier import csv` to Kafka on the real broker and registry: the worked example as a wide
 * CSV (with a bad row) goes through the command; `unifier run` ends with the same profiles as
 * `unifier resolve` on the same events, and importing the file again adds no changelog record.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { packageRoot } from '../../src/topology/package-files.js'
import { inputEvents, processedProfiles, resolveReference } from './connector-harness.js'
import { processorEnv, SAMPLE_IDENTITY, type ProcessorEnv } from './processor-harness.js'
import { kafkaBrokers, schemaRegistryUrl } from '../setup/kafka-kit.js'

const root = packageRoot()

// The spec's worked example, one row per event, plus a row whose points are not a number.
const CSV = [
  'customer_id,email,phone,loyalty_card,first_name,points,timestamp,source',
  'C1,ann@x.com,,,Ann,,2024-05-01T09:00:00Z,web',
  ',,+1 212 555 0100,,,40,2024-05-01T10:15:00Z,call_center',
  ',,,L9,,,2024-05-02T16:40:00Z,store',
  'C1,,(212) 555-0100,L9,,,2024-05-03T08:05:00Z,web',
  'C9,,,,,lots,2024-05-03T09:00:00Z,store',
  'C7,,,L9,Bruno,,2024-05-04T12:00:00Z,store',
].join('\n')

let env: ProcessorEnv
let dir: string

beforeAll(async () => {
  env = await processorEnv(2)
  dir = await mkdtemp(join(tmpdir(), 'unifier-csv-int-'))
})

afterAll(async () => {
  await env?.cleanup()
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
})

/** `where`: the prefix as a flag, or a configuration file whose topics.file names the topology. */
async function importCsv(file: string, where: readonly string[] = []): Promise<string> {
  const { stderr } = await promisify(execFile)(
    process.execPath,
    [
      join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
      join(root, 'src', 'cli', 'main.ts'),
      'import',
      'csv',
      file,
      '--tenant',
      'acme',
      '--source',
      'crm',
      '--format',
      'wide',
      '--brokers',
      kafkaBrokers().join(','),
      '--registry',
      schemaRegistryUrl(),
      ...(where.length > 0 ? where : ['--prefix', env.prefix]),
      '--identity',
      SAMPLE_IDENTITY,
      '--errors',
      join(dir, 'errors.ndjson'),
    ],
    { cwd: dir, timeout: 60_000 },
  ).catch((err: { code?: number; stderr?: string }) => {
    // exit code 2: imported, with bad rows
    if (err.code === 2 && err.stderr !== undefined) return { stderr: err.stderr }
    throw err
  })
  return stderr
}

describe('unifier import csv (Kafka)', () => {
  it('the worked example through CSV resolves as `unifier resolve` does; a second import changes nothing', async () => {
    const file = join(dir, 'worked-example.csv')
    await writeFile(file, CSV)
    const summary = await importCsv(file)
    expect(summary).toContain('events sent  5')
    expect(summary).toContain('bad rows     1')
    const errors = (await readFile(join(dir, 'errors.ndjson'), 'utf8')).trim().split('\n')
    expect(errors.map((l) => JSON.parse(l) as unknown)).toEqual([
      { line: 6, reason: 'type-mismatch', detail: expect.stringContaining('lots') },
    ])

    const events = await inputEvents(env)
    expect(events.map((e) => [e.source, e.identifiers.length])).toEqual([
      ['web', 2],
      ['call_center', 1],
      ['store', 1],
      ['web', 3],
      ['store', 2],
    ])
    const profiles = await processedProfiles(env)
    expect(profiles).toEqual(await resolveReference(events))
    expect(profiles.map((p) => p.identifiers.map((i) => `${i.type}:${i.value}`))).toEqual(
      expect.arrayContaining([
        ['customer_id:C1', 'email:ann@x.com', 'phone:+12125550100'],
        ['customer_id:C7', 'loyalty_card:L9'],
      ]),
    )
    expect(profiles).toHaveLength(2)
    const changelog = (await env.readAll(env.topic('profile-changelog'))).length

    // The same file again: the same eventIds, which the processor has applied already.
    await importCsv(file)
    expect(await env.readAll(env.topic('contact-events'))).toHaveLength(10)
    expect(await processedProfiles(env)).toEqual(profiles)
    expect(await env.readAll(env.topic('profile-changelog'))).toHaveLength(changelog)

    // Once more through a configuration file whose topics.file holds the topology (its prefix
    // included), as `unifier run` reads it: the rows reach the same input topic, no effect again.
    const topologyText = await readFile(join(root, 'topology', 'topics.yaml'), 'utf8')
    const topologyFile = join(dir, 'topics.yaml')
    await writeFile(topologyFile, topologyText.replace(/^prefix: ''$/m, `prefix: '${env.prefix}'`))
    const configFile = join(dir, 'unifier.yaml')
    await writeFile(configFile, JSON.stringify({ topics: { file: topologyFile } }))
    await importCsv(file, ['--config', configFile])
    expect(await env.readAll(env.topic('contact-events'))).toHaveLength(15)
    expect(await processedProfiles(env)).toEqual(profiles)
    expect(await env.readAll(env.topic('profile-changelog'))).toHaveLength(changelog)
  })
})
