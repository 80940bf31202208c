import { defineConfig } from 'vitest/config';

// Runs after `npm run build`: checks the published artefacts, not the sources.
export default defineConfig({
  test: {
    include: ['test/build/**/*.test.ts', 'test/runtimes/**/*.test.ts'],
    testTimeout: 30_000,
  },
});
