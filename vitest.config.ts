import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Property tests run 10^5 cases per scorer and the CLI tests spawn real processes.
    testTimeout: 180_000,
    hookTimeout: 60_000,
  },
});
