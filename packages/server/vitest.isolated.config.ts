import { defineProject } from 'vitest/config';
import { MODULE_MOCKING_TESTS, TIMEOUTS } from './vitest.config.js';

/** The server's test files that mock a module (`vi.mock`), each in a fresh worker. */
export default defineProject({
  test: { name: 'server-isolated', include: MODULE_MOCKING_TESTS, ...TIMEOUTS, isolate: true },
});
