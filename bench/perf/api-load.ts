/**
 * The load generator of bench:api (api.ts), in its own process so it does not share an event
 * loop with the server: an open loop at a fixed rate (request i is due at i / rate s whatever
 * the answers do, bench/lib/open-loop.ts), over at most `connections` keep-alive connections.
 * Latency is from when a request was due to its last byte, so a stall delays the requests
 * behind it too (no coordinated omission); `service` is from when it was actually sent, and
 * `sendLag` how late the generator sent (its timer's granularity, or its own event loop being
 * busy: when that is large, the latency is the generator's, not the server's).
 * Reads one JSON job from stdin; prints one JSON result line.
 */
import { Agent, request } from 'node:http'
import { dueAtMs, dueBy, latencySummary } from '../lib/open-loop.js'

interface Job {
  readonly base: string
  /** Paths, taken in turn. */
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
const service: number[] = []
const sendLag: number[] = []
const statuses: Record<string, number> = {}
let errors = 0
const total = Math.round(job.rate * job.seconds)
const cpuBefore = process.cpuUsage()
const started = performance.now()

function send(i: number): Promise<void> {
  const path = job.paths[i % job.paths.length] as string
  const due = started + dueAtMs(i, job.rate)
  const sentAt = performance.now()
  sendLag.push(sentAt - due)
  return new Promise((resolve) => {
    const req = request(`${job.base}${path}`, { agent }, (res) => {
      res.on('data', () => undefined)
      res.on('end', () => {
        const now = performance.now()
        latencies.push(now - due)
        service.push(now - sentAt)
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
    const due = dueBy(performance.now() - started, job.rate, total)
    while (sent < due) pending.push(send(sent++))
    if (sent >= total) return resolve()
    // sleep until the next request is due (timers fire 1 ms late at best: sendLag shows it)
    setTimeout(tick, Math.max(0, started + dueAtMs(sent, job.rate) - performance.now()))
  }
  tick()
})
await Promise.all(pending)
const elapsed = (performance.now() - started) / 1000
const cpu = process.cpuUsage(cpuBefore)
const round = (n: number) => Math.round(n * 100) / 100
const lag = latencySummary(sendLag)
console.log(
  JSON.stringify({
    requests: latencies.length,
    errors,
    // answers per second over the run including the drain of the last ones
    achievedRps: Math.round(latencies.length / elapsed),
    statuses,
    ...latencySummary(latencies),
    service: latencySummary(service),
    sendLag: { p50: lag.p50, p99: lag.p99 },
    loadCores: round((cpu.user + cpu.system) / 1e6 / elapsed),
  }),
)
agent.destroy()
