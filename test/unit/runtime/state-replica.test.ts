import { describe, expect, it } from 'vitest'
import { MemoryStore } from '../../../src/state/memory-store.js'
import {
  StateReplica,
  type FollowChangelog,
  type ReplicaBatch,
} from '../../../src/runtime/state-replica.js'

/** A follower that hands over the batches a test gives it, and remembers where it was asked to start. */
function fakeFollower() {
  const starts: Array<ReadonlyMap<number, string | null>> = []
  let deliver: ((batch: ReplicaBatch) => Promise<void>) | null = null
  const follow: FollowChangelog = async (from, onBatch) => {
    starts.push(from)
    deliver = onBatch
    return { stop: async () => undefined }
  }
  return {
    follow,
    starts,
    send: (batch: ReplicaBatch) => (deliver as NonNullable<typeof deliver>)(batch),
  }
}

const value = (text: string) => new TextEncoder().encode(text)

describe('StateReplica', () => {
  it('applies committed records, deletes tombstoned keys, and reports lag per partition', async () => {
    const store = new MemoryStore()
    const f = fakeFollower()
    let now = 1_000
    const replica = await StateReplica.start({
      store,
      partitions: 2,
      follow: f.follow,
      now: () => now,
    })
    expect(replica.lag().map((l) => l.behind)).toEqual([null, null])
    await f.send({
      partition: 0,
      records: [
        { offset: '0', key: 'a', value: value('1') },
        { offset: '1', key: 'b', value: value('2') },
      ],
      lastOffset: '1',
      highWatermark: '5',
      lastTimestamp: 900,
    })
    await f.send({
      partition: 0,
      records: [{ offset: '2', key: 'a', value: null }],
      lastOffset: '3', // a transaction marker after it
      highWatermark: '5',
      lastTimestamp: 950,
    })
    now = 2_000
    const [a, b] = await store.getMany(['a', 'b'])
    expect(a).toBeUndefined()
    expect(new TextDecoder().decode(b)).toBe('2')
    expect(replica.lag()[0]).toEqual({
      partition: 0,
      next: '4',
      behind: 1,
      lastAppliedAgeMs: 1_050,
    })
    expect(replica.lag()[1]?.behind).toBeNull()
  })

  it('restarts from the offsets it stored with the state', async () => {
    const store = new MemoryStore()
    const first = fakeFollower()
    const replica = await StateReplica.start({ store, partitions: 2, follow: first.follow })
    await first.send({
      partition: 1,
      records: [{ offset: '6', key: 'k', value: value('v') }],
      lastOffset: '7',
      highWatermark: '8',
      lastTimestamp: null,
    })
    await replica.stop()
    const second = fakeFollower()
    await StateReplica.start({ store, partitions: 2, follow: second.follow })
    expect([...(second.starts[0] ?? new Map())]).toEqual([
      [0, null],
      [1, '8'],
    ])
  })

  it('never applies a refetch of records it already holds (after its group rejoined)', async () => {
    const store = new MemoryStore()
    const f = fakeFollower()
    const replica = await StateReplica.start({ store, partitions: 1, follow: f.follow })
    const batch = (from: number, values: string[]): ReplicaBatch => ({
      partition: 0,
      records: values.map((v, i) => ({ offset: String(from + i), key: 'k', value: value(v) })),
      lastOffset: String(from + values.length - 1),
      highWatermark: '3',
      lastTimestamp: null,
    })
    await f.send(batch(0, ['old', 'new', 'newest']))
    await f.send(batch(0, ['old'])) // kafkajs starting over from the beginning
    const [k] = await store.getMany(['k'])
    expect(new TextDecoder().decode(k)).toBe('newest')
    expect(replica.lag()[0]?.next).toBe('3')
  })
})
