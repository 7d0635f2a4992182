import { defineProject } from 'vitest/config';

/**
 * Test files that replace a module with `vi.mock`: a module graph of their own, so they run in the isolated
 * project (vitest.isolated.config.ts), not here.
 */
export const MODULE_MOCKING_TESTS = [
  'test/device-user-code-collision.test.ts',
  'test/signing-worker-start-failure.test.ts',
];

export const TIMEOUTS = { testTimeout: 30_000, hookTimeout: 60_000 };

export default defineProject({
  test: {
    name: 'server',
    include: ['test/**/*.test.ts'],
    exclude: MODULE_MOCKING_TESTS,
    ...TIMEOUTS,
    // Test files reuse their worker (one module graph and in-memory database template per worker, not one per
    // file): each file builds its own servers and state, and restores what it spies on.
    isolate: false,
  },
});
