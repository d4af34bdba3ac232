import { writeFile } from 'node:fs/promises'
import { Session } from 'node:inspector/promises'

/** Starts a V8 CPU profile of this process; `stop` writes it (a .cpuprofile for DevTools). */
export async function startProfile(): Promise<{ stop: (path: string) => Promise<void> }> {
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  // 200 µs between samples: enough detail for a run of a second or two.
  await session.post('Profiler.setSamplingInterval', { interval: 200 })
  await session.post('Profiler.start')
  return {
    async stop(path) {
      const { profile } = await session.post('Profiler.stop')
      session.disconnect()
      await writeFile(path, JSON.stringify(profile))
    },
  }
}
