import { createServer } from 'node:net'
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers'
import { DEFAULT_APICURIO_VERSION, DEFAULT_KAFKA_VERSION } from '../../scripts/stack/config.js'

/** Same versions as the local stack and docker-compose.yml, so every path tests the same thing. */
export const KAFKA_IMAGE = `apache/kafka:${DEFAULT_KAFKA_VERSION}`
export const REGISTRY_IMAGE = `apicurio/apicurio-registry:${DEFAULT_APICURIO_VERSION}`

export interface StartedContainers {
  readonly kafkaBrokers: string
  readonly schemaRegistryUrl: string
  stop(): Promise<void>
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      )
    })
  })
}

/**
 * The broker advertises the address clients must dial back on, so the host port is chosen
 * first and used on both sides of the mapping (no random port the broker could not know).
 */
async function startKafka(): Promise<{ container: StartedTestContainer; brokers: string }> {
  const port = await freePort()
  const container = await new GenericContainer(KAFKA_IMAGE)
    .withExposedPorts({ container: port, host: port })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: `PLAINTEXT://0.0.0.0:${port},CONTROLLER://localhost:9093`,
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${port}`,
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .withStartupTimeout(180_000)
    .start()
  return { container, brokers: `127.0.0.1:${port}` }
}

async function startRegistry(): Promise<{ container: StartedTestContainer; url: string }> {
  const container = await new GenericContainer(REGISTRY_IMAGE)
    .withExposedPorts(8080)
    .withEnvironment({ APICURIO_CCOMPAT_LEGACY_ID_MODE_ENABLED: 'false' })
    .withWaitStrategy(Wait.forHttp('/apis/ccompat/v7/subjects', 8080).forStatusCode(200))
    .withStartupTimeout(180_000)
    .start()
  const url = `http://${container.getHost()}:${container.getMappedPort(8080)}/apis/ccompat/v7`
  return { container, url }
}

export async function startContainers(): Promise<StartedContainers> {
  const [kafka, registry] = await Promise.all([startKafka(), startRegistry()])
  return {
    kafkaBrokers: kafka.brokers,
    schemaRegistryUrl: registry.url,
    async stop() {
      await Promise.all([kafka.container.stop(), registry.container.stop()])
    },
  }
}
