import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { repoRoot, type StackConfig } from './config.js'

const run = promisify(execFile)

/** Written last, so a download cut short is redone instead of half-used. */
const COMPLETE_MARKER = '.complete'

export interface Artifacts {
  /** Directory holding Kafka and all its runtime jars (`java -cp '<dir>/*'`). */
  readonly kafkaLibs: string
  /** The Apicurio Registry runnable jar (Quarkus runner). */
  readonly registryJar: string
}

export function kafkaLibsDir(config: StackConfig): string {
  return path.join(config.cacheDir, `kafka-${config.kafkaVersion}`, 'libs')
}

function apicurioDir(config: StackConfig): string {
  return path.join(config.cacheDir, `apicurio-${config.apicurioVersion}`)
}

async function requireTool(command: string, args: string[], hint: string): Promise<string> {
  try {
    const { stdout, stderr } = await run(command, args)
    return `${stdout}${stderr}`
  } catch {
    throw new Error(`${command} is needed to ${hint} but was not found on PATH`)
  }
}

/** Kafka 3.x/4.x brokers and Apicurio 3.0 need Java 17 or newer. */
export async function checkJava(): Promise<void> {
  const output = await requireTool('java', ['-version'], 'run Kafka and the schema registry')
  const match = /version "(\d+)/.exec(output)
  const major = match?.[1] === undefined ? 0 : Number(match[1])
  if (major < 17) throw new Error(`Java 17 or newer is required, found: ${output.split('\n')[0]}`)
}

async function maven(args: string[], log: (line: string) => void): Promise<void> {
  await requireTool('mvn', ['-v'], 'download Kafka and Apicurio from Maven Central')
  log(`mvn ${args.join(' ')}`)
  try {
    await run('mvn', ['-B', '-q', ...args], { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 })
  } catch (error) {
    const output = error as { stdout?: string; stderr?: string }
    throw new Error(
      `Maven failed (${args.join(' ')}):\n${output.stdout ?? ''}${output.stderr ?? ''}`.trim(),
      { cause: error },
    )
  }
}

async function fetchKafka(config: StackConfig, log: (line: string) => void): Promise<string> {
  const libs = kafkaLibsDir(config)
  if (existsSync(path.join(libs, COMPLETE_MARKER))) return libs
  log(`fetching Kafka ${config.kafkaVersion} jars into ${libs}`)
  await rm(libs, { recursive: true, force: true })
  await mkdir(libs, { recursive: true })
  await maven(
    [
      '-f',
      path.join(repoRoot, 'scripts', 'stack', 'pom.xml'),
      `-Dkafka.version=${config.kafkaVersion}`,
      'dependency:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${libs}`,
    ],
    log,
  )
  await writeFile(path.join(libs, COMPLETE_MARKER), `${config.kafkaVersion}\n`)
  return libs
}

async function findRunnerJar(dir: string): Promise<string> {
  const entries = await readdir(dir)
  // 3.0.x ships a legacy "-runner.jar"; later versions a Quarkus fast-jar with quarkus-run.jar.
  const runner = entries.find((name) => name.endsWith('-runner.jar') || name === 'quarkus-run.jar')
  if (runner === undefined) throw new Error(`no runnable jar found in ${dir}`)
  return path.join(dir, runner)
}

async function fetchApicurio(config: StackConfig, log: (line: string) => void): Promise<string> {
  const dir = apicurioDir(config)
  if (existsSync(path.join(dir, COMPLETE_MARKER))) return findRunnerJar(dir)
  log(`fetching Apicurio Registry ${config.apicurioVersion} into ${dir}`)
  await rm(dir, { recursive: true, force: true })
  await mkdir(dir, { recursive: true })
  const archive = `apicurio-registry-app-${config.apicurioVersion}-all.tar.gz`
  await maven(
    [
      '-f',
      path.join(repoRoot, 'scripts', 'stack', 'pom.xml'),
      // 3.0.9's parent POM is missing from Maven Central; plugin 3.x insists on reading it to
      // copy a single file, 2.8 does not.
      'org.apache.maven.plugins:maven-dependency-plugin:2.8:copy',
      `-Dartifact=io.apicurio:apicurio-registry-app:${config.apicurioVersion}:tar.gz:all`,
      `-DoutputDirectory=${dir}`,
    ],
    log,
  )
  await run('tar', ['-xzf', archive], { cwd: dir })
  await rm(path.join(dir, archive))
  await writeFile(path.join(dir, COMPLETE_MARKER), `${config.apicurioVersion}\n`)
  return findRunnerJar(dir)
}

/** Downloads what is missing; a second call with a complete cache touches neither Maven nor the network. */
export async function fetchArtifacts(
  config: StackConfig,
  log: (line: string) => void,
): Promise<Artifacts> {
  await checkJava()
  const kafkaLibs = await fetchKafka(config, log)
  const registryJar = await fetchApicurio(config, log)
  return { kafkaLibs, registryJar }
}
