/**
 * Kill -9 mid-stream, after the method of Kafka's own exactly-once system tests: two `unifier run`
 * child processes in one group with a commit interval long enough that every kill lands in an
 * open transaction. One is SIGSTOPped past the session timeout (its partitions move, its
 * transactional ids are re-initialised elsewhere) and resumed: whatever it then tries to commit
 * must be fenced. The other is SIGKILLed at random points and restarted, several times. Then a
 * read_committed reader checks: every output exactly as a one-pass resolve of the committed
 * input produces it (so no merge or reassignment twice, none lost), the same final profiles,
 * and a marker appended to every output partition is readable (no transaction left open).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seededRandom } from '../support/synthetic-stream.js'
import { packageRoot } from '../../src/topology/package-files.js'
import { kafkaBrokers, schemaRegistryUrl } from '../setup/kafka-kit.js'
import {
  committedCounts,
  currentProfiles,
  expectChangelogOfOnePass,
  expectedCounts,
  generatedEvents,
  onePass,
  processorEnv,
  SAMPLE_IDENTITY,
  waitCaughtUp,
  type ProcessorEnv,
} from './processor-harness.js'

const SESSION_TIMEOUT_MS = 6_000
const COMMIT_INTERVAL_MS = 2_000
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

interface Instance {
  readonly name: string
  child: ChildProcess
  output: string
}

let env: ProcessorEnv
const instances: Instance[] = []

beforeAll(async () => {
  env = await processorEnv(4)
})

afterAll(async () => {
  for (const i of instances) {
    if (i.child.exitCode === null && i.child.signalCode === null) i.child.kill('SIGKILL')
  }
  await env?.cleanup()
})

function launch(name: string): Instance {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'run'], {
    cwd: packageRoot(),
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      KAFKA_BROKERS: kafkaBrokers().join(','),
      SCHEMA_REGISTRY_URL: schemaRegistryUrl(),
      UNIFIER_TOPIC_PREFIX: env.prefix,
      UNIFIER_GROUP_ID: `${env.prefix}group`,
      UNIFIER_STATE_DIR: join(env.stateDir, name),
      UNIFIER_IDENTITY_CONFIG: SAMPLE_IDENTITY,
      UNIFIER_COMMIT_INTERVAL_MS: String(COMMIT_INTERVAL_MS),
      UNIFIER_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS),
      UNIFIER_HTTP_ENABLED: 'false',
      UNIFIER_LOG_LEVEL: 'info',
    },
  })
  const instance = { name, child, output: '' }
  child.stdout?.on('data', (chunk: Buffer) => (instance.output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (instance.output += chunk.toString()))
  instances.push(instance)
  return instance
}

/** Waits until the instance has logged a line matching `pattern` (after `since` characters). */
async function logged(
  instance: Instance,
  pattern: RegExp,
  since = 0,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!pattern.test(instance.output.slice(since))) {
    if (Date.now() > deadline)
      throw new Error(`${instance.name} never logged ${pattern}:\n${instance.output}`)
    await sleep(100)
  }
}

function exited(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true)
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve(true)
    })
  })
}

describe('unifier run under kill -9 and a paused zombie', () => {
  it('commits every input event’s effects exactly once', { timeout: 300_000 }, async () => {
    const random = seededRandom(20261123)
    const events = generatedEvents(12, 1_000, 11)
    expect(events.length).toBeGreaterThan(3_000)

    let a = launch('a')
    const b = launch('b')
    const groupId = `${env.prefix}group`
    await logged(a, /processor running/)
    await logged(b, /processor running/)

    // Input keeps arriving through all of the chaos below.
    let producing = true
    const production = (async () => {
      const chunk = Math.ceil(events.length / 60)
      for (let i = 0; i < events.length; i += chunk) {
        await env.produce(events.slice(i, i + chunk))
        await sleep(500)
      }
      producing = false
    })()

    // Both own partitions and hold open transactions before anything is done to them.
    await logged(a, /state restored/)
    await logged(b, /state restored/)
    await sleep(3_000)
    // The zombie: paused past its session timeout, its partitions go to `a`, which fences it.
    b.child.kill('SIGSTOP')
    await sleep(SESSION_TIMEOUT_MS + 6_000)
    b.child.kill('SIGCONT')

    for (let kill = 0; kill < 3; kill++) {
      await sleep(1_000 + Math.floor(random() * 3_000))
      a.child.kill('SIGKILL')
      await exited(a.child, 10_000)
      await sleep(Math.floor(random() * 1_000))
      a = launch('a')
      await logged(a, /processor running/)
    }
    await production
    expect(producing).toBe(false)
    expect(await waitCaughtUp(env, groupId, 180_000)).toBe(true)

    for (const i of [a, b]) i.child.kill('SIGTERM')
    expect(await exited(a.child, 60_000)).toBe(true)
    expect(await exited(b.child, 60_000)).toBe(true)
    // SIGTERM is a clean stop: open transactions committed, stores closed, group left.
    for (const i of [a, b]) expect(i.output).toMatch(/"msg":"stopped"/)

    // A marker on every output partition is readable only if no transaction is left open
    // before it (read_committed stops at the first open one).
    const outputs = env.topology.topics.filter((t) => t.role !== 'contact-events')
    const producer = env.kafka.producer()
    await producer.connect()
    for (const topic of outputs) {
      await producer.send({
        topic: topic.name,
        messages: Array.from({ length: topic.partitions }, (_, partition) => ({
          partition,
          key: Buffer.from('marker'),
          value: Buffer.from('marker'),
        })),
      })
    }
    await producer.disconnect()
    for (const topic of outputs) {
      const records = await env.readAll(topic.name)
      const markers = records.filter((r) => r.key?.toString() === 'marker')
      expect(markers.map((m) => m.partition).sort()).toEqual(
        Array.from({ length: topic.partitions }, (_, p) => p),
      )
    }

    const reference = await onePass(env)
    const counts = await committedCounts(env)
    const markerFree = Object.fromEntries(
      Object.entries(counts).map(([role, n]) => [
        role,
        n - env.topology.byRole['contact-events'].partitions,
      ]),
    )
    expect(markerFree).toEqual(expectedCounts(reference.outputs))
    const changelog = (await env.readAll(env.topic('profile-changelog'))).filter(
      (r) => r.key?.toString() !== 'marker',
    )
    expect(await currentProfiles(env, changelog)).toEqual(reference.profiles)
    await expectChangelogOfOnePass(env, changelog, reference.outputs)
    // The paused instance found its transactions taken over when it woke up (a send, a commit
    // or the commit at the rejoin's close was refused for its old producer epoch).
    expect(b.output).toMatch(/fenced|fences|old epoch/)
  })
})
