import { defineConfig } from 'vitest/config'

// Three tiers, visible in file names: *.test.ts run everywhere in-process;
// *.int.test.ts need the real Kafka broker and schema registry that test/setup/global-kafka.ts provides;
// *.browser.test.ts drive a headless Chromium (/usr/bin/chromium or CHROMIUM_PATH; .ci/run installs it).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.int.test.ts', 'test/**/*.browser.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/**/*.browser.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.int.test.ts'],
          globalSetup: ['test/setup/global-kafka.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
})
