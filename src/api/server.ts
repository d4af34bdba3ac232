import Fastify, { type FastifyInstance } from 'fastify'
import type { Registry } from 'prom-client'
import type { ProcessorHealth } from '../runtime/processor.js'

export interface ApiServerOptions {
  readonly host: string
  readonly port: number
  readonly health: () => ProcessorHealth
  readonly metrics: Registry
}

/**
 * GET /health: 200 while the processor runs (partitions restoring included, with their state),
 * 503 once it failed or is stopping, so an orchestrator restarts or drains it.
 * GET /metrics: Prometheus text format.
 */
export async function startApiServer(options: ApiServerOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: false })
  app.get('/health', async (_request, reply) => {
    const health = options.health()
    const ok = health.status === 'running' || health.status === 'starting'
    return reply.code(ok ? 200 : 503).send(health)
  })
  app.get('/metrics', async (_request, reply) => {
    const body = await options.metrics.metrics()
    return reply.type(options.metrics.contentType).send(body)
  })
  await app.listen({ host: options.host, port: options.port })
  return app
}
