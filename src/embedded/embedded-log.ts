import type {
  ChangelogSource,
  CommittedPosition,
  InputHandlers,
  OutgoingRecord,
  PartitionTransaction,
  ProcessorLog,
  TransactionalSink,
  WrittenOffset,
} from '../runtime/ports.js'
import type { LocalLog } from './local-log.js'

export interface EmbeddedLogOptions {
  readonly log: LocalLog
  readonly group: string
  readonly inputTopic: string
  readonly stateTopic: string
  /** Records handed to a task per batch. */
  readonly batchSize?: number
  /** Pause between polls when the input has nothing new (ms). */
  readonly idleMs?: number
}

/**
 * The processor's log ports over the local level log: one input partition, this process its
 * only member. A transaction buffers its records and writes them with the input position in one
 * LevelDB batch at commit; abort drops the buffer.
 */
export class EmbeddedProcessorLog implements ProcessorLog {
  private readAt = 0n
  private seeks = 0
  private running = false
  private loop: Promise<void> | null = null

  constructor(private readonly options: EmbeddedLogOptions) {}

  get isRunning(): boolean {
    return this.running
  }

  async start(handlers: InputHandlers): Promise<void> {
    this.running = true
    handlers.onAssignment([0], 1)
    this.loop = this.poll(handlers)
  }

  private async poll(handlers: InputHandlers): Promise<void> {
    const { log, inputTopic } = this.options
    const batchSize = this.options.batchSize ?? 1_000
    while (this.running) {
      const from = this.readAt
      const seeks = this.seeks
      const records = await log.read(inputTopic, 0, from, batchSize)
      if (records.length === 0 || !this.running) {
        await new Promise((r) => setTimeout(r, this.options.idleMs ?? 20))
        continue
      }
      const end = await log.endOffset(inputTopic, 0)
      // A seek during the batch wins over the position after it.
      const last = BigInt((records.at(-1) as { offset: string }).offset) + 1n
      await handlers.onBatch(
        {
          partition: 0,
          fetchedOffset: from.toString(),
          highWatermark: end.toString(),
          lastOffset: (last - 1n).toString(),
          records: records.map((r) => ({ ...r, topic: inputTopic, partition: 0 })),
        },
        async () => undefined,
      )
      if (this.seeks === seeks) this.readAt = last
    }
  }

  seek(_partition: number, offset: string): void {
    this.readAt = BigInt(offset)
    this.seeks++
  }

  pause(): void {
    this.running = false
  }

  async stop(): Promise<void> {
    this.running = false
    await this.loop
  }

  async close(): Promise<void> {}

  isFenced(): boolean {
    return false
  }

  /** One input partition: it owns every tenant. */
  ownerOf(): number {
    return 0
  }

  /** The local log takes records of any size. */
  isRecordRejected(): boolean {
    return false
  }

  async openSink(partition: number): Promise<TransactionalSink> {
    const { log, group, inputTopic } = this.options
    return {
      partitionsOf: () => 1,
      close: async () => undefined,
      begin: async (): Promise<PartitionTransaction> => {
        let buffered: OutgoingRecord[] = []
        // Offsets are known before the batch is written: this process is the only writer.
        const reserved = new Map<string, bigint>()
        return {
          async send(records) {
            const written = new Map<string, WrittenOffset>()
            for (const r of records) {
              const id = `${r.topic}!${r.partition}`
              const next = reserved.get(id) ?? (await log.endOffset(r.topic, r.partition))
              reserved.set(id, next + 1n)
              written.set(id, {
                topic: r.topic,
                partition: r.partition,
                lastOffset: next.toString(),
              })
            }
            buffered.push(...records)
            return [...written.values()]
          },
          async commit(nextInputOffset) {
            await log.commit(buffered, {
              position: { group, topic: inputTopic, partition, offset: nextInputOffset },
            })
            buffered = []
          },
          async abort() {
            buffered = []
          },
        }
      },
    }
  }

  changelog(partition: number): ChangelogSource {
    const { log, stateTopic } = this.options
    return {
      async replay(afterOffset, onRecords) {
        let from = afterOffset === null ? 0n : BigInt(afterOffset) + 1n
        for (;;) {
          const records = await log.read(stateTopic, partition, from, 10_000)
          if (records.length === 0) return
          await onRecords(
            records
              .filter((r) => r.key !== null)
              .map((r) => ({
                offset: r.offset,
                key: (r.key as Buffer).toString('utf8'),
                value: r.value === null ? null : new Uint8Array(r.value),
              })),
          )
          from = BigInt((records.at(-1) as { offset: string }).offset) + 1n
        }
      },
    }
  }

  position(partition: number): CommittedPosition {
    const { log, group, inputTopic } = this.options
    return { committedOffset: () => log.committed(group, inputTopic, partition) }
  }
}
