/**
 * A broker list as given in KAFKA_BROKERS, --brokers or a test's environment:
 * "host:port,host:port" → ["host:port", ...], entries trimmed, empty ones dropped.
 * The one parser of broker lists (config, CLI, scripts, benchmarks and tests use it).
 */
export function parseBrokers(list: string): string[] {
  return list
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0)
}
