import { randomBytes } from 'node:crypto'
import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { brokerAnswers } from '../../src/kafka/probe.js'
import { brokersOf, type StackConfig } from './config.js'
import { managedProcess, startDetached, type ManagedProcess } from './processes.js'

const run = promisify(execFile)

export function kafkaProcess(config: StackConfig): ManagedProcess {
  return managedProcess(config.stackDir, 'kafka', 'kafka.Kafka')
}

/** Each Kafka version gets its own log dirs: a 4.x metadata log cannot be read by 3.x. */
function dataDir(config: StackConfig): string {
  return path.join(config.stackDir, 'data', `kafka-${config.kafkaVersion}`)
}

/**
 * One combined broker+controller (KRaft). Replication factors of 1 because there is one node;
 * no rebalance delay so test consumers join at once. Auto-creation stays off: the unifier
 * creates its topics from topology/, and a typo should fail instead of creating a topic.
 */
function serverProperties(config: StackConfig): string {
  const { host, kafkaPort, controllerPort } = config
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@${host}:${controllerPort}`,
    `listeners=PLAINTEXT://${host}:${kafkaPort},CONTROLLER://${host}:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://${host}:${kafkaPort}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${dataDir(config)}`,
    'num.partitions=1',
    'default.replication.factor=1',
    'min.insync.replicas=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=10',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=10',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    'delete.topic.enable=true',
    '',
  ].join('\n')
}

/** A KRaft cluster id is 16 random bytes in URL-safe base64 without padding (22 characters). */
async function clusterId(config: StackConfig): Promise<string> {
  const file = path.join(config.stackDir, 'cluster-id')
  if (existsSync(file)) return readFileSync(file, 'utf8').trim()
  let id = randomBytes(16).toString('base64url')
  // Like Kafka's Uuid.randomUuid: an id starting with '-' would be read as a command-line flag.
  while (id.startsWith('-')) id = randomBytes(16).toString('base64url')
  await writeFile(file, `${id}\n`)
  return id
}

async function formatStorageOnce(config: StackConfig, libs: string, props: string): Promise<void> {
  if (existsSync(path.join(dataDir(config), 'meta.properties'))) return
  const id = await clusterId(config)
  await run('java', [
    '-cp',
    `${libs}/*`,
    'kafka.tools.StorageTool',
    'format',
    '-t',
    id,
    '-c',
    props,
  ])
}

const SLF4J_QUIET = [
  '-Dorg.slf4j.simpleLogger.defaultLogLevel=info',
  '-Dorg.slf4j.simpleLogger.showDateTime=true',
  // Config dumps and per-request chatter drown the lines that explain a failure.
  '-Dorg.slf4j.simpleLogger.log.org.apache.kafka.common.config.AbstractConfig=warn',
  '-Dorg.slf4j.simpleLogger.log.kafka.server.KafkaConfig=warn',
  '-Dorg.slf4j.simpleLogger.log.state.change.logger=warn',
  '-Dorg.slf4j.simpleLogger.log.kafka.request.logger=warn',
]

export async function startKafka(config: StackConfig, libs: string): Promise<number> {
  await mkdir(dataDir(config), { recursive: true })
  const props = path.join(config.stackDir, 'server.properties')
  await writeFile(props, serverProperties(config))
  await formatStorageOnce(config, libs, props)
  const args = [
    `-Xmx${config.kafkaHeap}`,
    `-Xms${config.kafkaHeap}`,
    '-XX:+UseG1GC',
    '-Djava.awt.headless=true',
    ...SLF4J_QUIET,
    '-cp',
    `${libs}/*`,
    'kafka.Kafka',
    props,
  ]
  return startDetached(kafkaProcess(config), 'java', args, config.stackDir)
}

/** True once the broker answers metadata requests through kafkajs, the client the unifier uses. */
export async function kafkaAnswers(brokers: string): Promise<boolean> {
  return brokerAnswers(brokers)
}

export function kafkaAddress(config: StackConfig): string {
  return brokersOf(config)
}
