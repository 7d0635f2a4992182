import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { missing, testRedisUrl } from '../../../test-support/services.js';
import { openGatehouse } from '../src/app/gatehouse.js';
import { testConfig } from './support/app.js';

/** Starts a context on the test Redis with the given maxmemory-policy and returns what it logged at warn. */
async function startupWarnings(policy: string): Promise<Record<string, unknown>[]> {
  const admin = new Redis(testRedisUrl!);
  const [, original] = (await admin.config('GET', 'maxmemory-policy')) as string[];
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  try {
    await admin.config('SET', 'maxmemory-policy', policy);
    const ctx = await openGatehouse(testConfig({ redis: { url: testRedisUrl } }), {
      logger: pino({ level: 'warn' }, sink),
    });
    await ctx.close();
  } finally {
    await admin.config('SET', 'maxmemory-policy', original!);
    admin.disconnect();
  }
  return lines.filter((l) => l.level === 40);
}

describe.skipIf(missing('redis'))('Redis eviction policy check at start-up', () => {
  it('warns when Redis may evict revocation and single-use markers', async () => {
    const warnings = await startupWarnings('allkeys-lru');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ maxmemoryPolicy: 'allkeys-lru' });
    expect(String(warnings[0]!.msg)).toContain('noeviction');
  });

  it('stays quiet with maxmemory-policy noeviction', async () => {
    expect(await startupWarnings('noeviction')).toEqual([]);
  });
});
