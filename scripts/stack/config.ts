import path from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Everything the local stack needs to know, read once from the environment.
 * Defaults give the stack other helpers and the test suite expect; the STACK_* variables let a
 * second stack (another Kafka version, a CI trial) run beside it without touching its files.
 */
export interface StackConfig {
  readonly kafkaVersion: string
  readonly apicurioVersion: string
  readonly host: string
  readonly kafkaPort: number
  readonly controllerPort: number
  readonly registryPort: number
  /** Data, logs and PID files of this stack. */
  readonly stackDir: string
  /** Downloaded jars, shared by every stack of this checkout. */
  readonly cacheDir: string
  readonly kafkaHeap: string
  readonly registryHeap: string
}

/** Chosen by test/integration/kafka-compat.int.test.ts; see docs/kafka-version.md. */
export const DEFAULT_KAFKA_VERSION = '4.4.0'
/** 3.0.x is the newest Apicurio line that runs on Java 17 (3.1+ ships Java 21 bytecode). */
export const DEFAULT_APICURIO_VERSION = '3.0.9'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new Error(`${name} must be a TCP port number, got "${raw}"`)
  }
  return value
}

export function readStackConfig(env: NodeJS.ProcessEnv = process.env): StackConfig {
  const stackDir = path.resolve(repoRoot, env.STACK_DIR || '.stack')
  return {
    kafkaVersion: env.STACK_KAFKA_VERSION || DEFAULT_KAFKA_VERSION,
    apicurioVersion: env.STACK_APICURIO_VERSION || DEFAULT_APICURIO_VERSION,
    host: '127.0.0.1',
    kafkaPort: port(env, 'STACK_KAFKA_PORT', 9092),
    controllerPort: port(env, 'STACK_CONTROLLER_PORT', 9093),
    registryPort: port(env, 'STACK_REGISTRY_PORT', 8081),
    stackDir,
    cacheDir: path.resolve(repoRoot, env.STACK_CACHE_DIR || path.join('.stack', 'cache')),
    kafkaHeap: env.STACK_KAFKA_HEAP || '512m',
    registryHeap: env.STACK_REGISTRY_HEAP || '384m',
  }
}

export function brokersOf(config: StackConfig): string {
  return `${config.host}:${config.kafkaPort}`
}

export function registryUrlOf(config: StackConfig): string {
  return `http://${config.host}:${config.registryPort}/apis/ccompat/v7`
}
