/**
 * Local Kafka + schema registry without Docker: `tsx scripts/stack/main.ts up|down|status|fetch`
 * (npm run stack:up / stack:down / stack:status). See docs/local-stack.md.
 */
import { readStackConfig } from './config.js'
import { fetchArtifacts } from './fetch.js'
import { stackDown, stackStatus, stackUp } from './stack.js'

const log = (line: string): void => console.error(`[stack] ${line}`)

async function main(command: string | undefined): Promise<number> {
  const config = readStackConfig()
  switch (command) {
    case 'up': {
      const { kafkaBrokers, schemaRegistryUrl } = await stackUp(config, log)
      // Plain KEY=value lines on stdout, so `eval "$(npm run -s stack:up)"` exports them.
      console.log(`KAFKA_BROKERS=${kafkaBrokers}`)
      console.log(`SCHEMA_REGISTRY_URL=${schemaRegistryUrl}`)
      return 0
    }
    case 'down':
      await stackDown(config, log)
      return 0
    case 'status': {
      let allUp = true
      for (const { label, address, state } of await stackStatus(config)) {
        const text =
          state.kind === 'running'
            ? `running (pid ${state.pid})${state.answering ? '' : ', not answering yet'}`
            : state.kind === 'foreign'
              ? 'answering, started outside this checkout'
              : 'stopped'
        allUp &&= state.kind !== 'stopped'
        console.log(`${label.padEnd(28)} ${address.padEnd(44)} ${text}`)
      }
      return allUp ? 0 : 3
    }
    case 'fetch': {
      const { kafkaLibs, registryJar } = await fetchArtifacts(config, log)
      log(`Kafka jars: ${kafkaLibs}`)
      log(`Registry jar: ${registryJar}`)
      return 0
    }
    default:
      console.error('usage: tsx scripts/stack/main.ts up|down|status|fetch')
      return 2
  }
}

main(process.argv[2]).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    console.error(`[stack] ${error instanceof Error ? error.message : String(error)}`)
    process.exitCode = 1
  },
)
