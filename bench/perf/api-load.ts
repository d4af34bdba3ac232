/**
 * The load generator of bench:api (api.ts), in its own process so it does not share an event
 * loop with the server: an open loop at a fixed rate (requests are due every 10 ms whatever the
 * answers do, so a slow answer delays the next ones' latency too: no coordinated omission),
 * over keep-alive connections. Latency is from when a request was due to its last byte.
 * Reads one JSON job from stdin; prints one JSON result line.
 */
import { Agent, request } from 'node:http'

interface Job {
  readonly base: string
  /** Paths, taken round-robin. */
  readonly paths: readonly string[]
  readonly rate: number
  readonly seconds: number
  readonly connections: number
}

let input = ''
for await (const chunk of process.stdin) input += String(chunk)
const job = JSON.parse(input) as Job
const agent = new Agent({ keepAlive: true, maxSockets: job.connections })
const latencies: number[] = []
const statuses: Record<string, number> = {}
let errors = 0
let next = 0
const total = Math.round(job.rate * job.seconds)
const started = performance.now()
const cpuBefore = process.cpuUsage()

function send(due: number): Promise<void> {
  const path = job.paths[next++ % job.paths.length] as string
  return new Promise((resolve) => {
    const req = request(`${job.base}${path}`, { agent }, (res) => {
      res.on('data', () => undefined)
      res.on('end', () => {
        latencies.push(performance.now() - due)
        statuses[String(res.statusCode)] = (statuses[String(res.statusCode)] ?? 0) + 1
        resolve()
      })
    })
    req.on('error', () => {
      errors++
      resolve()
    })
    req.end()
  })
}

const pending: Promise<void>[] = []
let sent = 0
await new Promise<void>((resolve) => {
  const tick = () => {
    const now = performance.now()
    const dueCount = Math.min(total, Math.floor(((now - started) / 1000) * job.rate))
    while (sent < dueCount) {
      const due = started + (sent / job.rate) * 1000
      pending.push(send(due))
      sent++
    }
    if (sent >= total) resolve()
    else setTimeout(tick, 2)
  }
  tick()
})
await Promise.all(pending)
const elapsed = (performance.now() - started) / 1000
latencies.sort((a, b) => a - b)
const q = (p: number) =>
  latencies.length === 0
    ? null
    : Math.round(
        (latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] as number) *
          100,
      ) / 100
console.log(
  JSON.stringify({
    requests: latencies.length,
    errors,
    achievedRps: Math.round(latencies.length / elapsed),
    statuses,
    p50: q(0.5),
    p90: q(0.9),
    p99: q(0.99),
    max: q(1),
    loadCores:
      Math.round(
        ((process.cpuUsage(cpuBefore).user + process.cpuUsage(cpuBefore).system) / 1e6 / elapsed) *
          100,
      ) / 100,
  }),
)
agent.destroy()
