import { defineConfig } from 'vitest/config';

// `.ci/run` sets VITEST_JSON_REPORT to read the final pass/fail counts from vitest's JSON reporter.
const jsonReport = process.env.VITEST_JSON_REPORT;

export default defineConfig({
  test: {
    projects: ['packages/client', 'packages/server'],
    globalSetup: ['./test-support/global-setup.ts'],
    reporters: jsonReport ? ['default', 'json'] : ['default'],
    ...(jsonReport ? { outputFile: { json: jsonReport } } : {}),
  },
});
