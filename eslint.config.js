import js from '@eslint/js'
import { defineConfig } from 'eslint/config'
import tseslint from 'typescript-eslint'

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.stack/', '.state/', 'out/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // The explorer page (plain ES modules the browser loads as they are, no build step).
    files: ['explorer/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: Object.fromEntries(
        [
          'document',
          'window',
          'location',
          'history',
          'fetch',
          'sessionStorage',
          'localStorage',
          'URLSearchParams',
          'Node',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
  {
    // The core decides; it never does I/O, reads a clock or talks to Kafka (see docs/ARCHITECTURE.md).
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'os', 'crypto', 'child_process'],
              message: 'src/core is pure: no Node I/O.',
            },
            {
              group: [
                'kafkajs',
                '@platformatic/kafka',
                '@confluentinc/kafka-javascript',
                'rocksdb-native',
                'level',
                'pino',
                '**/kafka/**',
                '**/state/**',
                '**/embedded/**',
                '**/runtime/**',
              ],
              message: 'src/core is pure: no I/O modules.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'Date', message: 'src/core takes time as an argument.' },
        { name: 'process', message: 'src/core reads no environment.' },
        { name: 'setTimeout', message: 'src/core has no timers.' },
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'Math',
          property: 'random',
          message: 'src/core takes randomness as an argument.',
        },
      ],
    },
  },
  {
    // kafkajs stays behind src/kafka (it is unmaintained; one module to replace).
    files: ['src/**/*.ts'],
    ignores: ['src/kafka/**', 'src/core/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'kafkajs', message: 'Only src/kafka imports kafkajs.' }],
          patterns: [
            { group: ['kafkajs/*'], message: 'Only src/kafka imports kafkajs.' },
            {
              // bench:kafka-clients compares them (devDependencies); the product uses kafkajs.
              group: ['@platformatic/kafka', '@confluentinc/kafka-javascript'],
              message: 'Other Kafka clients are for bench/perf/kafka-clients only.',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests, benchmarks and scripts get kafkajs's values through src/kafka (createKafka,
    // loadKafkajs): loading kafkajs first would leave its producers unpatched
    // (src/kafka/patches). Its types are harmless: type imports are erased.
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'kafkajs',
              allowTypeImports: true,
              message:
                'Take kafkajs from src/kafka (createKafka, loadKafkajs); only its types here.',
            },
          ],
          patterns: [
            {
              group: ['kafkajs/*'],
              allowTypeImports: true,
              message:
                'Take kafkajs from src/kafka (createKafka, loadKafkajs); only its types here.',
            },
          ],
        },
      ],
    },
  },
  {
    // Inside src/kafka only ./patches loads kafkajs, after installing its patches; the other
    // modules import types and take values from loadKafkajs().
    files: ['src/kafka/**/*.ts'],
    ignores: ['src/kafka/patches/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'kafkajs',
              allowTypeImports: true,
              message: 'Values come from loadKafkajs() (./patches), which patches kafkajs first.',
            },
            {
              name: '@platformatic/kafka',
              message: 'Other Kafka clients are for bench/perf/kafka-clients only.',
            },
            {
              name: '@confluentinc/kafka-javascript',
              message: 'Other Kafka clients are for bench/perf/kafka-clients only.',
            },
          ],
        },
      ],
    },
  },
)
