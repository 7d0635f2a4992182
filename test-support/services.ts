/**
 * Which real services the test run can reach. Tests that need one use `describe.skipIf(missing('redis'))`:
 * without the service the tests are reported as skipped (the reason is printed once by the global setup);
 * in CI (`CI=true`) a missing service is an error, never a silent skip.
 */
import { existsSync } from 'node:fs';

export type Service = 'postgres' | 'redis' | 'chromium';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export const testDatabaseUrl: string | undefined = process.env.TEST_DATABASE_URL || undefined;
export const testRedisUrl: string | undefined = process.env.TEST_REDIS_URL || undefined;

/** Why a service is unavailable, or `undefined` when it is there. */
export function unavailableReason(service: Service): string | undefined {
  switch (service) {
    case 'postgres':
      return testDatabaseUrl ? undefined : 'TEST_DATABASE_URL is not set';
    case 'redis':
      return testRedisUrl ? undefined : 'TEST_REDIS_URL is not set';
    case 'chromium':
      return existsSync(CHROMIUM_PATH) ? undefined : `${CHROMIUM_PATH} is missing (apt-get install chromium)`;
  }
}

/** True when the tests needing `service` must be skipped. Throws in CI, where nothing may be skipped. */
export function missing(service: Service): boolean {
  const reason = unavailableReason(service);
  if (reason && process.env.CI === 'true') {
    throw new Error(`CI needs ${service}: ${reason}`);
  }
  return reason !== undefined;
}
