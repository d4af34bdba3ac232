import { describe, expect, it } from 'vitest'
import { HistoryIndex } from '../../../src/api/history.js'
import type { OutputRecord } from '../../../src/core/types.js'
import {
  IdentityEventReplica,
  type FollowTopics,
  type TopicReplicaBatch,
  type UndecodableRecord,
} from '../../../src/runtime/identity-event-replica.js'
import { eventLog, sampleReadSide } from '../api/sample-state.js'

/** A follower that hands over the batches a test gives it, and answers where it would resume. */
function fakeFollower() {
  let deliver: ((batch: TopicReplicaBatch) => Promise<void>) | null = null
  let resume: ((topic: string, partition: number) => string) | null = null
  const follow: FollowTopics = async (_from, onBatch, positionOf) => {
    deliver = onBatch
    resume = positionOf
    return { stop: async () => undefined }
  }
  return {
    follow,
    send: (batch: TopicReplicaBatch) => (deliver as NonNullable<typeof deliver>)(batch),
    positionOf: (topic: string, partition: number) =>
      (resume as NonNullable<typeof resume>)(topic, partition),
  }
}

const text = (s: string) => new TextEncoder().encode(s)
const records = (from: number, values: string[]) =>
  values.map((v, i) => ({ offset: String(from + i), value: text(v) }))

class Retriable extends Error {
  readonly retriable = true
}

async function started(
  topics: Record<string, number>,
  decode = async (_t: string, v: Uint8Array) => new TextDecoder().decode(v),
) {
  const f = fakeFollower()
  const applied: Array<[string, string]> = []
  const undecodable: UndecodableRecord[] = []
  let now = 10_000
  const replica = await IdentityEventReplica.start<string>({
    topics: new Map(Object.entries(topics)),
    follow: f.follow,
    decode,
    apply: (topic, events) => {
      for (const e of events) applied.push([topic, e])
    },
    onUndecodable: (r) => undecodable.push(r),
    now: () => now,
  })
  return { f, replica, applied, undecodable, setNow: (ms: number) => (now = ms) }
}

describe('IdentityEventReplica', () => {
  it('applies each committed record once, in offset order, and reports lag per topic partition', async () => {
    const { f, replica, applied, setNow } = await started({ merged: 2, reassigned: 1 })
    expect(replica.lag().map((l) => [l.topic, l.partition, l.behind])).toEqual([
      ['merged', 0, null],
      ['merged', 1, null],
      ['reassigned', 0, null],
    ])
    await f.send({
      topic: 'merged',
      partition: 1,
      records: records(0, ['a', 'b']),
      lastOffset: '2', // a commit marker after them
      highWatermark: '5',
      lastTimestamp: 9_000,
    })
    // kafkajs starting over after a rejoin: nothing applied twice
    await f.send({
      topic: 'merged',
      partition: 1,
      records: [...records(0, ['a', 'b']), { offset: '3', value: text('c') }],
      lastOffset: '3',
      highWatermark: '5',
      lastTimestamp: 9_500,
    })
    setNow(10_000)
    expect(applied).toEqual([
      ['merged', 'a'],
      ['merged', 'b'],
      ['merged', 'c'],
    ])
    expect(replica.lag()[1]).toEqual({
      topic: 'merged',
      partition: 1,
      next: '4',
      behind: 1,
      lastAppliedAgeMs: 500,
    })
    expect(f.positionOf('merged', 1)).toBe('4')
    expect(f.positionOf('reassigned', 0)).toBe('0')
  })

  it('counts a partition whose records retention deleted as current (its log start is past them)', async () => {
    const { f, replica } = await started({ merged: 1 })
    await f.send({
      topic: 'merged',
      partition: 0,
      records: [],
      lastOffset: null,
      highWatermark: '7',
      lowWatermark: '7',
      lastTimestamp: null,
    })
    expect(replica.lag()[0]).toMatchObject({ next: '7', behind: 0 })
  })

  it('fails a batch while the registry is unreachable (refetched later), skips and reports bytes that never decode', async () => {
    let registryUp = false
    const { f, applied, undecodable, replica } = await started({ merged: 1 }, async (_t, v) => {
      const s = new TextDecoder().decode(v)
      if (s === 'garbage') throw Object.assign(new Error('undecodable'), { code: 'undecodable' })
      if (!registryUp) throw new Retriable('registry unreachable')
      return s
    })
    const batch: TopicReplicaBatch = {
      topic: 'merged',
      partition: 0,
      records: records(0, ['a', 'garbage', 'b']),
      lastOffset: '2',
      highWatermark: '3',
      lastTimestamp: null,
    }
    await expect(f.send(batch)).rejects.toThrow('registry unreachable')
    expect(applied).toEqual([])
    expect(replica.lag()[0]?.next).toBe('0')
    registryUp = true
    await f.send(batch)
    expect(applied).toEqual([
      ['merged', 'a'],
      ['merged', 'b'],
    ])
    expect(undecodable.map((u) => [u.topic, u.partition, u.offset])).toContainEqual([
      'merged',
      0,
      '1',
    ])
    expect(replica.lag()[0]).toMatchObject({ next: '3', behind: 0 })
  })
})

describe('HistoryIndex fed record by record (Kafka mode)', () => {
  it('gives the entries the embedded log gives', async () => {
    const { driver } = await sampleReadSide([
      { eventId: 'r1', source: 'store', ids: { loyalty_card: 'L30' } },
      { eventId: 'r2', source: 'store', ids: { loyalty_card: 'L31' } },
      { eventId: 'r3', source: 'store', ids: { loyalty_card: ['L30', 'L31'] } },
    ])
    const fromLog = new HistoryIndex(eventLog(driver.outputs))
    await fromLog.catchUp()
    const fed = new HistoryIndex()
    const isIdentityEvent = (
      o: OutputRecord,
    ): o is Extract<OutputRecord, { kind: 'merged' | 'reassigned' | 'merge-refused' }> =>
      o.kind === 'merged' || o.kind === 'reassigned' || o.kind === 'merge-refused'
    const events = driver.outputs.filter(isIdentityEvent)
    expect(new Set(events.map((e) => e.kind))).toEqual(
      new Set(['merged', 'reassigned', 'merge-refused']),
    )
    // another arrival order: the topics are followed independently (each in its log order)
    for (const kind of ['merge-refused', 'reassigned', 'merged'])
      for (const e of events) if (e.kind === kind) fed.add(e)
    await fed.catchUp()
    const ids = [
      ...new Set(
        events.flatMap((e) =>
          e.kind === 'merged'
            ? [e.survivor, e.merged]
            : e.kind === 'reassigned'
              ? [e.from, e.to]
              : [e.target, e.refused],
        ),
      ),
    ]
    for (const id of ids) expect(fed.entries('acme', [id])).toEqual(fromLog.entries('acme', [id]))
    expect(fed.entries('acme', ids)).toHaveLength(events.length)
  })
})
