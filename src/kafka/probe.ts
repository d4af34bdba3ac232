import { loadKafkajs } from './patches/index.js'

/**
 * True once a broker at `broker` answers a metadata request with a cluster that has a
 * controller: what the local stack and the test setup wait for. One attempt, short timeouts.
 */
export async function brokerAnswers(broker: string): Promise<boolean> {
  const { Kafka, logLevel } = loadKafkajs()
  const kafka = new Kafka({
    clientId: 'stack-probe',
    brokers: [broker],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 2_000,
    retry: { retries: 0 },
  })
  const admin = kafka.admin()
  try {
    await admin.connect()
    const cluster = await admin.describeCluster()
    return cluster.brokers.length > 0 && cluster.controller !== null
  } catch {
    return false
  } finally {
    await admin.disconnect().catch(() => undefined)
  }
}
