import { defineConfig } from 'vitest/config';

// `.ci/run` sets VITEST_JSON_REPORT to read the final pass/fail counts from vitest's JSON reporter.
const jsonReport = process.env.VITEST_JSON_REPORT;

export default defineConfig({
  test: {
    projects: ['packages/client', 'packages/server', 'packages/server/vitest.isolated.config.ts'],
    // Two test files at a time on the 2-core machine: most wait on processes, sockets and timers rather than
    // compute, and one at a time left CI at 10 minutes. Files that share a real service keep apart by
    // namespace (a fresh PostgreSQL schema each; a Redis key prefix each, see packages/server/test/support/app.ts).
    maxWorkers: 2,
    globalSetup: ['./test-support/global-setup.ts'],
    reporters: jsonReport ? ['default', 'json'] : ['default'],
    ...(jsonReport ? { outputFile: { json: jsonReport } } : {}),
  },
});
