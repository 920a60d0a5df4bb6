// Vitest configuration: the `unit` and `integration` test projects.
import { defineConfig } from 'vitest/config';

// Two projects: `unit` runs pure code on manual clocks and fake sockets (fast, parallel);
// `integration` opens real loopback sockets and child processes (serialised per file).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/nat/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/support/build-once.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
