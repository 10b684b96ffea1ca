import { defineConfig } from 'vitest/config';

/** `npm run test:drift`: the committed extracts against ../shared (test/drift/), where ../shared is present. */
export default defineConfig({
  test: {
    include: ['test/drift/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
