import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // the drift checks against ../shared: npm run test:drift (vitest.drift.config.mts)
    exclude: [...configDefaults.exclude, 'test/drift/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
