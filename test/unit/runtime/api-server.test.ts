import { afterEach, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { startApiServer } from '../../../src/api/server.js'
import { PrometheusMetrics } from '../../../src/runtime/metrics.js'
import type { ProcessorHealth } from '../../../src/runtime/processor.js'

let server: FastifyInstance | null = null
afterEach(async () => {
  await server?.close()
  server = null
})

async function start(health: ProcessorHealth, metrics = new PrometheusMetrics()) {
  server = await startApiServer({
    host: '127.0.0.1',
    port: 0,
    health: () => health,
    metrics: metrics.registry,
  })
  return server
}

describe('health and metrics over HTTP', () => {
  it('answers 200 with partition states while running, 503 once failed', async () => {
    const running = await start({
      status: 'running',
      generation: 3,
      partitions: [{ partition: 0, state: 'restoring', nextOffset: null, inTransaction: false }],
    })
    const ok = await running.inject({ method: 'GET', url: '/health' })
    expect(ok.statusCode).toBe(200)
    expect(ok.json()).toMatchObject({ status: 'running', partitions: [{ state: 'restoring' }] })
    await running.close()

    const failed = await start({ status: 'failed', generation: 3, partitions: [] })
    expect((await failed.inject({ method: 'GET', url: '/health' })).statusCode).toBe(503)
  })

  it('exposes events, outputs, dead letters, latencies, lag and restore progress for Prometheus', async () => {
    const metrics = new PrometheusMetrics()
    metrics.events(0, 5)
    metrics.outputs('merged', 2)
    metrics.outputs('reassigned', 1)
    metrics.deadLetters('undecodable', 1)
    metrics.commit(0.02)
    metrics.batch(0.003)
    metrics.lag(0, 42)
    metrics.restored(1, 1000, 0)
    const api = await start({ status: 'running', generation: 1, partitions: [] }, metrics)
    const response = await api.inject({ method: 'GET', url: '/metrics' })
    expect(response.statusCode).toBe(200)
    const body = response.body
    expect(body).toContain('unifier_events_total{partition="0"} 5')
    expect(body).toContain('unifier_outputs_total{kind="merged"} 2')
    expect(body).toContain('unifier_dead_letters_total{reason="undecodable"} 1')
    expect(body).toContain('unifier_commit_seconds_count 1')
    expect(body).toContain('unifier_consumer_lag{partition="0"} 42')
    expect(body).toContain('unifier_restore_records_total{partition="1"} 1000')
  })
})
