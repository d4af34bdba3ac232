import { defineConfig } from 'vitest/config'

// Tiers, visible in file names: *.test.ts run everywhere in-process;
// *.int.test.ts need the real Kafka broker and schema registry that test/setup/global-kafka.ts provides;
// *.browser.test.ts drive a headless Chromium (/usr/bin/chromium or CHROMIUM_PATH; .ci/run installs it);
// test/fuzz/ runs an outside fuzzer (schemathesis, Python) against a live server.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.int.test.ts', 'test/**/*.browser.test.ts', 'test/fuzz/**'],
          testTimeout: 30_000,
        },
      },
      {
        // schemathesis (Python, test/fuzz/requirements.txt) against a live `unifier start`
        test: {
          name: 'fuzz',
          include: ['test/fuzz/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 180_000,
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
