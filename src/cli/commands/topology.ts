import { Command, InvalidArgumentError } from 'commander'
import { AvroSchemaRegistry } from '../../codecs/registry.js'
import { loadSchemas } from '../../codecs/schemas.js'
import { ensureTopicSchemas } from '../../codecs/topic-schemas.js'
import { KafkaTopicAdmin } from '../../kafka/admin.js'
import { parseBrokers } from '../../config/brokers.js'
import { createKafka } from '../../kafka/client.js'
import { applyTopology, type ApplyResult } from '../../topology/apply.js'
import { loadTopology, type Topology } from '../../topology/file.js'
import { defaultTopologyFile } from '../../topology/package-files.js'
import { formatApplyReport } from '../../topology/report.js'

/** Exit codes of `topology apply` (docs/topology.md). 1 is any error that stopped the run. */
export const EXIT_SCHEMA_REFUSED = 2
export const EXIT_DRIFT = 3

/** Where the command writes and what it reads; tests pass their own. */
export interface TopologyCliIo {
  readonly out: (text: string) => void
  readonly env: Readonly<Record<string, string | undefined>>
  readonly setExitCode: (code: number) => void
}

const processIo: TopologyCliIo = {
  out: (text) => process.stdout.write(text),
  env: process.env,
  setExitCode: (code) => {
    process.exitCode = code
  },
}

interface CommonFlags {
  readonly file?: string
  readonly prefix?: string
  readonly replicationFactor?: number
}

interface ApplyFlags extends CommonFlags {
  readonly brokers?: string
  readonly registry?: string
  readonly dryRun?: boolean
  readonly failOnDrift?: boolean
  readonly schemas: boolean
  readonly json?: boolean
}

function positiveInt(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a positive integer')
  return n
}

function readTopology(flags: CommonFlags): Promise<Topology> {
  return loadTopology(flags.file ?? defaultTopologyFile(), {
    prefix: flags.prefix,
    replicationFactor: flags.replicationFactor,
  })
}

function addCommonOptions(command: Command): Command {
  return command
    .option('-f, --file <path>', 'topology file (default: the packaged topology/topics.yaml)')
    .option('--prefix <prefix>', "prefix for every topic name (replaces the file's prefix)")
    .option(
      '--replication-factor <n>',
      "replication factor for every topic (replaces the file's)",
      positiveInt,
    )
}

export function registerTopologyCommand(program: Command, io: TopologyCliIo = processIo): void {
  const topology = program
    .command('topology')
    .description('Kafka topics and Avro subjects of the unifier, as defined in topology/')

  addCommonOptions(
    topology
      .command('apply')
      .description(
        'create missing topics and register schemas; report (never alter) topics that differ from the file',
      ),
  )
    .option('--brokers <list>', 'Kafka bootstrap brokers, host:port,... (default: $KAFKA_BROKERS)')
    .option('--registry <url>', 'schema registry URL (default: $SCHEMA_REGISTRY_URL)')
    .option('--no-schemas', 'do not register the Avro subjects')
    .option('--dry-run', 'report what would change; change nothing')
    .option('--fail-on-drift', `exit ${EXIT_DRIFT} when an existing topic differs from the file`)
    .option('--json', 'print the result as JSON')
    .action(async (flags: ApplyFlags) => {
      const result = await runApply(flags, io)
      io.setExitCode(exitCodeOf(result, flags))
    })

  addCommonOptions(
    topology
      .command('show')
      .description('validate the topology file and print the resolved topics'),
  ).action(async (flags: CommonFlags) => {
    const resolved = await readTopology(flags)
    io.out(`${JSON.stringify(resolved.topics, null, 2)}\n`)
  })
}

export function exitCodeOf(result: ApplyResult, flags: { failOnDrift?: boolean }): number {
  if (result.failed) return EXIT_SCHEMA_REFUSED
  if (result.drift && flags.failOnDrift) return EXIT_DRIFT
  return 0
}

async function runApply(flags: ApplyFlags, io: TopologyCliIo): Promise<ApplyResult> {
  const brokers = parseBrokers(flags.brokers ?? io.env.KAFKA_BROKERS ?? '')
  if (brokers.length === 0) throw new Error('no Kafka brokers: pass --brokers or set KAFKA_BROKERS')
  const registryUrl = flags.registry ?? io.env.SCHEMA_REGISTRY_URL
  if (flags.schemas && !registryUrl) {
    throw new Error(
      'no schema registry: pass --registry or set SCHEMA_REGISTRY_URL (or --no-schemas)',
    )
  }
  const topology = await readTopology(flags)
  const schemaSet = flags.schemas ? await loadSchemas() : null

  const admin = new KafkaTopicAdmin(createKafka({ brokers, clientId: 'unifier-topology' }), brokers)
  try {
    const registry = registryUrl ? new AvroSchemaRegistry({ url: registryUrl }) : null
    const result = await applyTopology(topology, admin, {
      dryRun: flags.dryRun ?? false,
      schemas:
        registry && schemaSet
          ? (dryRun) => ensureTopicSchemas(registry, topology, schemaSet, { dryRun })
          : undefined,
    })
    io.out(
      flags.json
        ? `${JSON.stringify(toJson(result), null, 2)}\n`
        : `${formatApplyReport(result)}\n`,
    )
    return result
  } finally {
    await admin.close()
  }
}

function toJson(result: ApplyResult): unknown {
  return {
    ...result,
    schemas: result.schemas?.map((s) =>
      s.status === 'failed' ? { subject: s.subject, status: s.status, error: s.error.message } : s,
    ),
  }
}
