import { registryUrlOf, type StackConfig } from './config.js'
import { managedProcess, startDetached, type ManagedProcess } from './processes.js'

export function registryProcess(config: StackConfig): ManagedProcess {
  return managedProcess(config.stackDir, 'registry', 'apicurio-registry')
}

/**
 * Apicurio Registry with its default in-memory H2 storage: schemas live as long as the process,
 * which is what tests want (a restart is a clean registry).
 *
 * Ids: with legacy-id-mode off, the ccompat API hands out content ids; the same schema text
 * gets the same id under any subject, like Confluent's global ids, and GET /schemas/ids/{id}
 * resolves exactly the id written into the Confluent wire format. Set explicitly so a changed
 * default cannot silently break decoding.
 */
function registryArgs(config: StackConfig, jar: string): string[] {
  return [
    `-Xmx${config.registryHeap}`,
    '-XX:+UseSerialGC',
    `-Dquarkus.http.host=${config.host}`,
    `-Dquarkus.http.port=${config.registryPort}`,
    '-Dquarkus.management.enabled=false',
    '-Dquarkus.banner.enabled=false',
    '-Dquarkus.log.level=WARN',
    '-Dquarkus.log.category."io.apicurio".level=WARN',
    '-Dquarkus.http.access-log.enabled=false',
    '-Dquarkus.log.category."apicurio-registry.access".level=WARN',
    '-Dapicurio.ccompat.legacy-id-mode.enabled=false',
    '-Dapicurio.storage.kind=sql',
    '-Dapicurio.storage.sql.kind=h2',
    '-jar',
    jar,
  ]
}

export async function startRegistry(config: StackConfig, jar: string): Promise<number> {
  return startDetached(registryProcess(config), 'java', registryArgs(config, jar), config.stackDir)
}

/** True once the Confluent-compatible API lists subjects. */
export async function registryAnswers(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(2_000) })
    return response.ok
  } catch {
    return false
  }
}

export function registryAddress(config: StackConfig): string {
  return registryUrlOf(config)
}
