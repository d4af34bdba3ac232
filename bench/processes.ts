/** Small helpers for benchmarks that watch other processes (the processor, the local stack). */
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'

/** Linux reports utime and stime in clock ticks; USER_HZ is 100 on every Linux ABI Node runs on. */
const TICKS_PER_SECOND = 100

/** CPU seconds (user + system, every thread) a process has used, from /proc; undefined if gone. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
  } catch {
    return undefined
  }
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}
