import { mkdir, writeFile } from 'node:fs/promises'
import { cpus, loadavg, totalmem } from 'node:os'
import { join } from 'node:path'

/** The machine a number was measured on; numbers without it mean little. */
export function machine() {
  return {
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    platform: `${process.platform}-${process.arch}`,
    // Other processes share this machine; a load above the core count means contended numbers.
    loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  }
}

/** Writes bench/results/<name>-<ISO date>.json and returns its path. */
export async function writeResults(name: string, results: object): Promise<string> {
  const dir = join(import.meta.dirname, '..', 'results')
  await mkdir(dir, { recursive: true })
  const stamp = new Date().toISOString().replace(/[:.]/g, '-')
  const file = join(dir, `${name}-${stamp}.json`)
  await writeFile(
    file,
    `${JSON.stringify({ measuredAt: new Date().toISOString(), machine: machine(), ...results }, null, 2)}\n`,
  )
  return file
}

/** A bench command's report: printed, or written to `--json FILE` when given. */
export async function emitReport(report: object, jsonFile: string | undefined): Promise<void> {
  const text = `${JSON.stringify(report, null, 2)}\n`
  if (jsonFile === undefined) process.stdout.write(text)
  else {
    await writeFile(jsonFile, text)
    console.log(`written ${jsonFile}`)
  }
}
