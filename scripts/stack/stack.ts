import { mkdir } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { brokersOf, registryUrlOf, type StackConfig } from './config.js'
import { fetchArtifacts } from './fetch.js'
import { kafkaAnswers, kafkaProcess, startKafka } from './kafka.js'
import { logTail, runningPid, stopProcess, type ManagedProcess } from './processes.js'
import { registryAnswers, registryProcess, startRegistry } from './registry.js'

export interface StackEndpoints {
  readonly kafkaBrokers: string
  readonly schemaRegistryUrl: string
}

export interface UpResult extends StackEndpoints {
  /** Processes this call started (`kafka`, `registry`): what a caller that cleans up should stop. */
  readonly started: readonly string[]
}

type Log = (line: string) => void

/** Whether a service runs from this checkout (PID file), answers from elsewhere, or is absent. */
export type ServiceState =
  | { readonly kind: 'running'; readonly pid: number; readonly answering: boolean }
  | { readonly kind: 'foreign' }
  | { readonly kind: 'stopped' }

interface Service {
  readonly label: string
  readonly proc: ManagedProcess
  readonly address: string
  readonly answers: () => Promise<boolean>
}

function services(config: StackConfig): readonly [Service, Service] {
  const kafkaBrokers = brokersOf(config)
  const schemaRegistryUrl = registryUrlOf(config)
  return [
    {
      label: `Kafka ${config.kafkaVersion}`,
      proc: kafkaProcess(config),
      address: kafkaBrokers,
      answers: () => kafkaAnswers(kafkaBrokers),
    },
    {
      label: `Apicurio Registry ${config.apicurioVersion}`,
      proc: registryProcess(config),
      address: schemaRegistryUrl,
      answers: () => registryAnswers(schemaRegistryUrl),
    },
  ]
}

async function stateOf(service: Service): Promise<ServiceState> {
  const pid = runningPid(service.proc)
  if (pid !== undefined) return { kind: 'running', pid, answering: await service.answers() }
  return (await service.answers()) ? { kind: 'foreign' } : { kind: 'stopped' }
}

async function waitUntilAnswering(service: Service, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await service.answers()) return
    if (runningPid(service.proc) === undefined) {
      throw new Error(
        `${service.label} exited while starting; last lines of ${service.proc.logFile}:\n` +
          logTail(service.proc),
      )
    }
    await sleep(500)
  }
  throw new Error(
    `${service.label} did not answer on ${service.address} within ${timeoutMs / 1000}s; ` +
      `see ${service.proc.logFile}:\n${logTail(service.proc)}`,
  )
}

export function endpointsOf(config: StackConfig): StackEndpoints {
  return { kafkaBrokers: brokersOf(config), schemaRegistryUrl: registryUrlOf(config) }
}

/** Downloads (once), starts what is not already running, and waits until both answer. */
export async function stackUp(config: StackConfig, log: Log): Promise<UpResult> {
  await mkdir(config.stackDir, { recursive: true })
  const [kafka, registry] = services(config)
  const kafkaState = await stateOf(kafka)
  const registryState = await stateOf(registry)
  const needsStart = kafkaState.kind === 'stopped' || registryState.kind === 'stopped'
  const artifacts = needsStart ? await fetchArtifacts(config, log) : undefined

  const started: string[] = []
  for (const [service, state] of [
    [kafka, kafkaState],
    [registry, registryState],
  ] as const) {
    if (state.kind === 'running') {
      log(`${service.label} already running (pid ${state.pid})`)
    } else if (state.kind === 'foreign') {
      log(`${service.address} already answers (not started from ${config.stackDir}); using it`)
    } else if (artifacts !== undefined) {
      const pid =
        service === kafka
          ? await startKafka(config, artifacts.kafkaLibs)
          : await startRegistry(config, artifacts.registryJar)
      started.push(service.proc.name)
      log(`${service.label} starting (pid ${pid}, log ${service.proc.logFile})`)
    }
  }
  // Kafka's first start formats storage and elects itself; Quarkus boots in seconds.
  try {
    await Promise.all([waitUntilAnswering(kafka, 120_000), waitUntilAnswering(registry, 120_000)])
  } catch (error) {
    // A half-started stack would be mistaken for a running one by the next `up`.
    await stackDown(config, log, started)
    throw error
  }
  return { ...endpointsOf(config), started }
}

/**
 * Stops what this checkout's PID files point at (or only the named processes); a stack started
 * elsewhere is left alone.
 */
export async function stackDown(
  config: StackConfig,
  log: Log,
  only?: readonly string[],
): Promise<void> {
  const [kafka, registry] = services(config)
  for (const service of [registry, kafka]) {
    if (only !== undefined && !only.includes(service.proc.name)) continue
    const stopped = await stopProcess(service.proc)
    log(stopped ? `${service.label} stopped` : `${service.label} was not running`)
  }
}

export async function stackStatus(
  config: StackConfig,
): Promise<{ readonly label: string; readonly address: string; readonly state: ServiceState }[]> {
  return Promise.all(
    services(config).map(async (service) => ({
      label: service.label,
      address: service.address,
      state: await stateOf(service),
    })),
  )
}
