import { defineConfig } from 'vitest/config';

/** End-to-end tests (`npm run test:e2e`): Playwright driving Debian's Chromium against the built server. */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    globalSetup: ['test/e2e/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // The tests in a file share one server and two browser windows, in order.
    fileParallelism: false,
  },
});
