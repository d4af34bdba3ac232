/**
 * docker-compose.yml is the Docker path to a running unifier; it must stay a valid compose file
 * that runs the same Kafka and registry versions the tests run against.
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import {
  DEFAULT_APICURIO_VERSION,
  DEFAULT_KAFKA_VERSION,
  repoRoot,
} from '../../scripts/stack/config.js'

const run = promisify(execFile)
const composeFile = path.join(repoRoot, 'docker-compose.yml')

interface ComposeService {
  image?: string
  build?: unknown
  environment?: Record<string, string>
  depends_on?: Record<string, unknown>
}

function services(): Record<string, ComposeService> {
  const doc = parse(readFileSync(composeFile, 'utf8')) as {
    services?: Record<string, ComposeService>
  }
  return doc.services ?? {}
}

/** The compose CLI validates without a Docker engine; absent (no client or no plugin) → undefined. */
async function composeConfigCheck(): Promise<{ ok: boolean; output: string } | undefined> {
  try {
    await run('docker', ['compose', 'version'], { timeout: 20_000 })
  } catch {
    return undefined
  }
  try {
    await run('docker', ['compose', '-f', composeFile, 'config', '-q'], { timeout: 60_000 })
    return { ok: true, output: '' }
  } catch (error) {
    const failure = error as { stderr?: string; message: string }
    return { ok: false, output: failure.stderr ?? failure.message }
  }
}

describe('docker-compose.yml', () => {
  it('declares Kafka, the schema registry and the unifier, pinned to the local stack versions', () => {
    const all = services()
    expect(Object.keys(all).sort()).toEqual(['kafka', 'schema-registry', 'unifier'])
    expect(all.kafka?.image).toBe(`apache/kafka:${DEFAULT_KAFKA_VERSION}`)
    expect(all['schema-registry']?.image).toBe(
      `apicurio/apicurio-registry:${DEFAULT_APICURIO_VERSION}`,
    )
    expect(all.unifier?.build).toBe('.')
    expect(Object.keys(all.unifier?.depends_on ?? {}).sort()).toEqual(['kafka', 'schema-registry'])
  })

  it('points the unifier at the services by their in-network names', () => {
    const env = services().unifier?.environment ?? {}
    expect(env.KAFKA_BROKERS).toBe('kafka:19092')
    expect(env.SCHEMA_REGISTRY_URL).toBe('http://schema-registry:8080/apis/ccompat/v7')
    const kafkaEnv = services().kafka?.environment ?? {}
    expect(kafkaEnv.KAFKA_ADVERTISED_LISTENERS).toContain('DOCKER://kafka:19092')
  })

  it('is accepted by `docker compose config` where the compose CLI exists', async () => {
    const check = await composeConfigCheck()
    if (check === undefined) {
      // Without the CLI, the strictest check left is that the file is a YAML mapping of services.
      expect(Object.keys(services()).length).toBeGreaterThan(0)
      return
    }
    expect(check.output).toBe('')
    expect(check.ok).toBe(true)
  })
})
