import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    // Integration tests start real sshd hosts; give them room, and never run two labs at once
    // on a 2-core machine (the lab files opt into sequential execution themselves).
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    globalSetup: ['test/setup/global.ts'],
  },
});
