import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'client',
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Test files reuse their worker (one module graph and in-memory database template per worker, not one per
    // file): each file builds its own servers and state, and restores what it mocks.
    isolate: false,
  },
});
