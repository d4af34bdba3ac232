/**
 * Two instances in one group: when one stops, its partitions move to the other, which restores
 * their state from the state changelog (it has no local store for them) and finishes the input.
 * Every decision is committed exactly once, and the profiles equal a one-pass resolve.
 */
import { pino } from 'pino'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startKafkaApp, type KafkaApp } from '../../src/cli/kafka-app.js'
import {
  committedCounts,
  currentProfiles,
  expectChangelogOfOnePass,
  expectedCounts,
  generatedEvents,
  onePass,
  processorEnv,
  produceAll,
  waitCaughtUp,
  type ProcessorEnv,
} from './processor-harness.js'

let env: ProcessorEnv
const running: KafkaApp[] = []

beforeAll(async () => {
  env = await processorEnv(4)
})

afterAll(async () => {
  for (const app of running) await app.processor.stop()
  await env?.cleanup()
})

describe('unifier run: rebalance', () => {
  it('moves a stopped instance’s partitions to the other, which restores and finishes', async () => {
    const events = generatedEvents(8, 400, 7)
    const half = Math.floor(events.length / 2)
    await produceAll(env, events.slice(0, half))

    const config = (name: string) =>
      env.config({ stateDir: join(env.stateDir, name), commitIntervalMs: 200 })
    const logger = pino({ level: 'warn' })
    const a = await startKafkaApp(config('a'), logger)
    running.push(a)
    const b = await startKafkaApp(config('b'), logger)
    running.push(b)
    const groupId = config('a').groupId

    expect(await waitCaughtUp(env, groupId)).toBe(true)
    const owned = b.processor.health().partitions.length
    expect(owned).toBeGreaterThan(0)
    expect(a.processor.health().partitions.length).toBeGreaterThan(0)

    await b.processor.stop()
    running.splice(running.indexOf(b), 1)
    await produceAll(env, events.slice(half))
    expect(await waitCaughtUp(env, groupId)).toBe(true)
    expect(a.processor.health().partitions).toHaveLength(4)
    await a.processor.stop()
    running.splice(running.indexOf(a), 1)

    const reference = await onePass(env)
    expect(await committedCounts(env)).toEqual(expectedCounts(reference.outputs))
    expect(expectedCounts(reference.outputs)['profile-merged']).toBeGreaterThan(0)
    const changelog = await env.readAll(env.topic('profile-changelog'))
    expect(await currentProfiles(env, changelog)).toEqual(reference.profiles)
    await expectChangelogOfOnePass(env, changelog, reference.outputs)
  })
})
