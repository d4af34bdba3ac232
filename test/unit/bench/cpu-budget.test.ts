import { describe, expect, it } from 'vitest'
import { budget, stageOf, type CpuProfile } from '../../../bench/perf/cpu-budget.js'
import { figuresOf, targetsTable } from '../../../bench/perf/targets.js'

const frame = (url: string, functionName = 'f') => ({ url, functionName })

describe('cpu budget: stages from stacks', () => {
  it('charges a library to the project stage that called it', () => {
    const avscUnderEncode = [
      frame('file:///x/node_modules/avsc/lib/utils.js', 'writeString'),
      frame('file:///x/src/codecs/topic-codec.ts', 'encodeOutput'),
      frame('file:///x/src/runtime/task.ts', 'process'),
    ]
    expect(stageOf(avscUnderEncode)).toBe('encode outputs')
    const msgpack = [frame('file:///x/node_modules/msgpackr/pack.js', 'pack')]
    expect(stageOf(msgpack)).toBe('state (reads, writes, msgpack, RocksDB)')
    const socketUnderSink = [
      frame('', 'writeBuffer'),
      frame('file:///x/node_modules/kafkajs/src/network/connection.js', 'send'),
      frame('file:///x/src/kafka/transactional-sink.ts', 'send'),
    ]
    expect(stageOf(socketUnderSink)).toBe('produce')
    expect(stageOf([frame('', 'writeBuffer'), socketUnderSink[1]!])).toBe(
      'Kafka client network and protocol',
    )
    expect(stageOf([frame('', '(garbage collector)')])).toBe('garbage collection')
    expect(stageOf([frame('', '(idle)')])).toBeNull()
  })

  it('counts only the samples inside the window, idle apart', () => {
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('', '(root)'), children: [2, 3] },
        { id: 2, callFrame: frame('file:///x/src/core/decide.ts', 'decideEvent') },
        { id: 3, callFrame: frame('', '(idle)') },
      ],
      startTime: 1_000,
      endTime: 5_000,
      samples: [2, 2, 3, 2],
      timeDeltas: [1_000, 1_000, 1_000, 1_000],
    }
    const b = budget(profile, 2_500, 5_000)
    expect(b.byStage['resolve (core decide)']).toBe(2)
    expect(b.idleMs).toBe(1)
    expect(b.busyMs).toBe(2)
  })
})

describe('targets', () => {
  it('says met or missed per workload and gives the ratio to the baseline', () => {
    const parts = [
      {
        name: 'e2e',
        command: '',
        exitCode: 0,
        seconds: 1,
        maxRssKiB: null,
        output: '',
        results: [
          {
            workloads: {
              realistic: { throughput: { processorCpuMicrosPerEvent: 30 } },
              churn: { throughput: { processorCpuMicrosPerEvent: 120 } },
            },
          },
        ],
      },
    ]
    const now = figuresOf(parts, null)
    const table = targetsTable(now, ['realistic', 'churn'], {
      label: 'main',
      figures: { 'e2e.realistic.processorMicros': 60 },
    })
    const row = (workload: string) =>
      table.find((l) => l.startsWith('| processor CPU') && l.includes(`| ${workload} |`))
    expect(row('realistic')).toContain('| ≤ 40 | 30 | met | 60 | 0.50')
    expect(row('churn')).toContain('| ≤ 80 | 120 | missed |')
  })
})
