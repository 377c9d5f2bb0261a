import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Pose workers and ffmpeg children each want a core; two files at once is all this machine holds.
    maxWorkers: 2,
    pool: 'forks',
  },
});
