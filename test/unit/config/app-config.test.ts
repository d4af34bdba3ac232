import { describe, expect, it } from 'vitest'
import { AppConfigError, parseAppConfig } from '../../../src/config/app-config.js'

const file = {
  kafka: { brokers: ['k1:9092'] },
  registry: { url: 'http://registry:8081' },
  identityConfig: 'identity.yaml',
}

describe('processor configuration', () => {
  it('fills defaults for everything but brokers, registry and identity config', () => {
    const config = parseAppConfig(file)
    expect(config.groupId).toBe('profile-unifier')
    expect(config.commitIntervalMs).toBeGreaterThan(0)
    expect(config.http).toEqual({ enabled: true, host: '127.0.0.1', port: 9464 })
  })

  it('lets the environment override the file, and flags override both', () => {
    const config = parseAppConfig(
      file,
      {
        KAFKA_BROKERS: 'a:1, b:2',
        UNIFIER_COMMIT_INTERVAL_MS: '750',
        UNIFIER_KAFKA_SASL_MECHANISM: 'scram-sha-512',
        UNIFIER_KAFKA_SASL_USERNAME: 'u',
        UNIFIER_KAFKA_SASL_PASSWORD: 'p',
        UNIFIER_GROUP_ID: 'from-env',
      },
      { groupId: 'from-flag' },
    )
    expect(config.kafka.brokers).toEqual(['a:1', 'b:2'])
    expect(config.commitIntervalMs).toBe(750)
    expect(config.kafka.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'u', password: 'p' })
    expect(config.groupId).toBe('from-flag')
  })

  it('bounds the state memory by configuration: a cache budget and a memtable size', () => {
    expect(parseAppConfig(file)).toMatchObject({
      stateCacheEntries: 200_000,
      stateWriteBufferMiB: 32,
    })
    const config = parseAppConfig(file, {
      UNIFIER_STATE_CACHE_ENTRIES: '50000',
      UNIFIER_STATE_WRITE_BUFFER_MIB: '4',
    })
    expect(config).toMatchObject({ stateCacheEntries: 50_000, stateWriteBufferMiB: 4 })
    expect(() => parseAppConfig({ ...file, stateWriteBufferMiB: 0 })).toThrow(/stateWriteBufferMiB/)
  })

  it("bounds unifier api's record cache by configuration; 0 turns it off", () => {
    expect(parseAppConfig(file).apiCacheEntries).toBe(100_000)
    expect(parseAppConfig(file, { UNIFIER_API_CACHE_ENTRIES: '0' }).apiCacheEntries).toBe(0)
    expect(() => parseAppConfig({ ...file, apiCacheEntries: -1 })).toThrow(/apiCacheEntries/)
  })

  it('coalesces the profile changelog per commit unless told to keep every change', () => {
    expect(parseAppConfig(file).profileChangelog).toBe('coalesced')
    const env = { UNIFIER_PROFILE_CHANGELOG: 'every-change' }
    expect(parseAppConfig(file, env).profileChangelog).toBe('every-change')
    expect(() => parseAppConfig({ ...file, profileChangelog: 'sometimes' })).toThrow(
      /profileChangelog/,
    )
  })

  it('lists every problem with its path', () => {
    expect(() =>
      parseAppConfig({ kafka: { brokers: [] }, registry: { url: 'nope' }, commitIntervalMs: 0 }),
    ).toThrow(AppConfigError)
    try {
      parseAppConfig({ kafka: { brokers: [] }, registry: { url: 'nope' } })
    } catch (err) {
      const message = (err as Error).message
      expect(message).toContain('kafka.brokers')
      expect(message).toContain('registry.url')
      expect(message).toContain('identityConfig')
    }
  })

  it('refuses a non-numeric number from the environment', () => {
    expect(() => parseAppConfig(file, { UNIFIER_COMMIT_INTERVAL_MS: 'soon' })).toThrow(
      'UNIFIER_COMMIT_INTERVAL_MS=soon is not a number',
    )
  })
})
