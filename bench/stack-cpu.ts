/**
 * CPU seconds used so far by the local stack's broker and registry (`npm run stack:up`), read
 * from /proc: on this 2-core machine they share the cores with the processor, so an events/s
 * target is a budget of CPU per event for all of them together. Undefined when the stack is not
 * the local one (KAFKA_BROKERS elsewhere) or there is no /proc.
 */
import { brokersOf, readStackConfig } from '../scripts/stack/config.js'
import { kafkaProcess } from '../scripts/stack/kafka.js'
import { runningPid } from '../scripts/stack/processes.js'
import { registryProcess } from '../scripts/stack/registry.js'
import { processCpuSeconds } from './processes.js'

export interface StackCpu {
  readonly broker: number
  readonly registry: number
}

/** The stack's CPU so far, when `brokers` is the local stack's broker. */
export function stackCpuSeconds(brokers: readonly string[]): StackCpu | undefined {
  const config = readStackConfig()
  if (brokers.length !== 1 || brokers[0] !== brokersOf(config)) return undefined
  const brokerPid = runningPid(kafkaProcess(config))
  const registryPid = runningPid(registryProcess(config))
  if (brokerPid === undefined || registryPid === undefined) return undefined
  const broker = processCpuSeconds(brokerPid)
  const registry = processCpuSeconds(registryPid)
  if (broker === undefined || registry === undefined) return undefined
  return { broker, registry }
}

/** CPU seconds the stack used since `before` (undefined when either reading is). */
export function stackCpuSince(
  brokers: readonly string[],
  before: StackCpu | undefined,
): StackCpu | undefined {
  const now = stackCpuSeconds(brokers)
  if (before === undefined || now === undefined) return undefined
  const round = (x: number) => Math.round(x * 100) / 100
  return {
    broker: round(now.broker - before.broker),
    registry: round(now.registry - before.registry),
  }
}
