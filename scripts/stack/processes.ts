import { spawn } from 'node:child_process'
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

/**
 * A background Java process owned by the stack, remembered by a PID file so that a later
 * `stack:down` or `stack:status` (a different Node process) can find it again.
 */
export interface ManagedProcess {
  /** Name used for the PID and log files (`kafka`, `registry`). */
  readonly name: string
  readonly pidFile: string
  readonly logFile: string
  /** A word found in the process's command line; guards against a recycled PID. */
  readonly signature: string
}

export function managedProcess(stackDir: string, name: string, signature: string): ManagedProcess {
  return {
    name,
    pidFile: path.join(stackDir, `${name}.pid`),
    logFile: path.join(stackDir, 'logs', `${name}.log`),
    signature,
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')
  } catch {
    return undefined
  }
}

/** The PID of the running process, or undefined (a stale PID file is ignored). */
export function runningPid(proc: ManagedProcess): number | undefined {
  if (!existsSync(proc.pidFile)) return undefined
  const pid = Number(readFileSync(proc.pidFile, 'utf8').trim())
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined
  const cmd = commandLine(pid)
  // Without /proc (macOS) liveness is all we can check.
  if (cmd !== undefined && !cmd.includes(proc.signature)) return undefined
  return pid
}

export async function startDetached(
  proc: ManagedProcess,
  command: string,
  args: string[],
  cwd: string,
): Promise<number> {
  await mkdir(path.dirname(proc.logFile), { recursive: true })
  const out = openSync(proc.logFile, 'a')
  try {
    // Detached with its own session so it outlives `npm run stack:up` and a Ctrl-C in that shell.
    const child = spawn(command, args, { cwd, detached: true, stdio: ['ignore', out, out] })
    const pid = child.pid
    if (pid === undefined) throw new Error(`could not start ${proc.name} (${command})`)
    child.unref()
    await writeFile(proc.pidFile, `${pid}\n`)
    return pid
  } finally {
    closeSync(out)
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopProcess(proc: ManagedProcess, graceMs = 30_000): Promise<boolean> {
  const pid = runningPid(proc)
  if (pid === undefined) {
    await rm(proc.pidFile, { force: true })
    return false
  }
  process.kill(pid, 'SIGTERM')
  const deadline = Date.now() + graceMs
  while (isAlive(pid) && Date.now() < deadline) await sleep(200)
  if (isAlive(pid)) {
    process.kill(pid, 'SIGKILL')
    while (isAlive(pid)) await sleep(100)
  }
  await rm(proc.pidFile, { force: true })
  return true
}

/** The last lines of a log, to explain a process that died while starting. */
export function logTail(proc: ManagedProcess, lines = 30): string {
  if (!existsSync(proc.logFile)) return '(no log)'
  return readFileSync(proc.logFile, 'utf8').split('\n').slice(-lines).join('\n')
}
