import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: {
      'binance-stream-client/advanced': fileURLToPath(new URL('./src/advanced.ts', import.meta.url)),
      'binance-stream-client/testing': fileURLToPath(new URL('./src/testing/index.ts', import.meta.url)),
      'binance-stream-client/metrics': fileURLToPath(new URL('./src/metrics/index.ts', import.meta.url)),
      'binance-stream-client': fileURLToPath(new URL('./src/index.ts', import.meta.url)),
    },
  },
  test: {
    // Closes every emulator started with startEmulator() after each test (test/helpers/emulator.ts).
    setupFiles: ['test/helpers/setup.ts'],
    include: [
      'test/unit/**/*.test.ts',
      'test/integration/**/*.test.ts',
      'test/emulator/**/*.test.ts',
      'test/types/**/*.test.ts',
      'test/browser/**/*.test.ts',
      'test/redis/**/*.test.ts',
      'examples/test-your-bot.ts', // a vitest file for users to copy (examples/README.md)
    ],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // Tests must never reach the internet: the emulator binds 127.0.0.1 on port 0.
    env: { BSC_TEST: '1' },
  },
});
