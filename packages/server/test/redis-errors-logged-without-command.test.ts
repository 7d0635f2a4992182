import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { missing, testRedisUrl } from '../../../test-support/services.js';
import { RedisStore } from '../src/infra/store/index.js';
import { capturedLogger } from './support/log-capture.js';

describe.skipIf(missing('redis'))('Redis error replies in the logs', () => {
  it('logs the error without the command ioredis attaches (its keys name sessions and codes)', async () => {
    const store = new RedisStore(testRedisUrl!, `gh-test-${randomUUID()}:`);
    const { logger, text } = capturedLogger();
    try {
      const key = 'session:sid-that-must-not-be-logged';
      await store.set(key, '{"userId":"u-secret-record"}', 30);
      // INCRBY on a JSON value: a real Redis error reply, with ioredis's `command` attached.
      const err = await store.increment(key, 1, 30).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toHaveProperty('command');
      logger.error({ err }, 'unhandled error');
      const out = text();
      expect(out).toContain('not an integer');
      expect(out).not.toContain('sid-that-must-not-be-logged');
      expect(out).not.toContain('u-secret-record');
    } finally {
      await store.close();
    }
  });
});
