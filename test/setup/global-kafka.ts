/**
 * vitest globalSetup of the integration project: finds a Kafka broker and a schema registry once
 * per run and hands their addresses to tests (`inject('kafkaBrokers')`, `inject('schemaRegistryUrl')`).
 *
 * Where they come from, first match wins:
 *  1. KAFKA_BROKERS and SCHEMA_REGISTRY_URL: an existing cluster, used as is;
 *  2. a Docker engine (`docker info` succeeds): throwaway containers via testcontainers;
 *  3. the local stack (scripts/stack): reused if it already answers, else started now and
 *     stopped at the end of the run.
 * There is no "skip": if none of these gives a broker the run fails, so a green run always
 * means the integration tests ran.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import type { TestProject } from 'vitest/node'
import { parseBrokers } from '../../src/config/brokers.js'
import { readStackConfig } from '../../scripts/stack/config.js'
import { kafkaAnswers } from '../../scripts/stack/kafka.js'
import { registryAnswers } from '../../scripts/stack/registry.js'
import { stackDown, stackUp } from '../../scripts/stack/stack.js'

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string
    schemaRegistryUrl: string
  }
}

const run = promisify(execFile)
const log = (line: string): void => console.error(`[global-kafka] ${line}`)

interface Endpoints {
  readonly kafkaBrokers: string
  readonly schemaRegistryUrl: string
  readonly teardown?: () => Promise<void>
}

async function dockerEngineAnswers(): Promise<boolean> {
  try {
    await run('docker', ['info'], { timeout: 15_000 })
    return true
  } catch {
    return false
  }
}

async function fromEnvironment(brokers: string, registryUrl: string): Promise<Endpoints> {
  const [kafkaUp, registryUp] = await Promise.all([
    kafkaAnswers(parseBrokers(brokers)[0] ?? brokers),
    registryAnswers(registryUrl),
  ])
  if (!kafkaUp) throw new Error(`KAFKA_BROKERS=${brokers} is set but no broker answers there`)
  if (!registryUp) {
    throw new Error(
      `SCHEMA_REGISTRY_URL=${registryUrl} is set but GET ${registryUrl}/subjects fails`,
    )
  }
  log(`using KAFKA_BROKERS=${brokers} SCHEMA_REGISTRY_URL=${registryUrl}`)
  return { kafkaBrokers: brokers, schemaRegistryUrl: registryUrl }
}

async function fromContainers(): Promise<Endpoints> {
  log('Docker engine found: starting Kafka and Apicurio containers')
  // Loaded only here: testcontainers pulls in a large HTTP stack the other paths never need.
  const { startContainers } = await import('./containers.js')
  const started = await startContainers()
  return { ...started, teardown: () => started.stop() }
}

async function fromLocalStack(): Promise<Endpoints> {
  const config = readStackConfig()
  const { kafkaBrokers, schemaRegistryUrl, started } = await stackUp(config, log)
  if (started.length === 0) return { kafkaBrokers, schemaRegistryUrl }
  // Only what this run started is stopped: a stack someone left running stays up.
  return { kafkaBrokers, schemaRegistryUrl, teardown: () => stackDown(config, log, started) }
}

async function findEndpoints(): Promise<Endpoints> {
  const brokers = process.env.KAFKA_BROKERS
  const registryUrl = process.env.SCHEMA_REGISTRY_URL
  if (brokers && registryUrl) return fromEnvironment(brokers, registryUrl)
  if (brokers || registryUrl) {
    throw new Error('set both KAFKA_BROKERS and SCHEMA_REGISTRY_URL, or neither')
  }
  if (await dockerEngineAnswers()) return fromContainers()
  return fromLocalStack()
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let endpoints: Endpoints
  try {
    endpoints = await findEndpoints()
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new Error(
      `integration tests need Kafka and a schema registry and none could be had: ${reason}\n` +
        'Set KAFKA_BROKERS and SCHEMA_REGISTRY_URL, start Docker, or install Java 17 and Maven ' +
        'for the local stack (docs/local-stack.md).',
      { cause: error },
    )
  }
  project.provide('kafkaBrokers', endpoints.kafkaBrokers)
  project.provide('schemaRegistryUrl', endpoints.schemaRegistryUrl)
  return async () => {
    await endpoints.teardown?.()
  }
}
