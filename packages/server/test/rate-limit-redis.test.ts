import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { missing, testRedisUrl } from '../../../test-support/services.js';
import { openGatehouse } from '../src/app/gatehouse.js';
import { buildApp } from '../src/app/server.js';
import { CLIENTS, TEST_REDIS_KEY_PREFIX, testConfig } from './support/app.js';
import { basic } from './support/http.js';

describe.skipIf(missing('redis'))('rate limit on Redis', () => {
  it('shares the per-client and per-IP counters between two nodes on the same Redis', async () => {
    // Fresh client id and address per run: the counters outlive the test by up to a minute.
    const clientId = `rl-${randomBytes(6).toString('hex')}`;
    const ip = `10.${randomBytes(1)[0]}.${randomBytes(1)[0]}.${randomBytes(1)[0]}`;
    const config = testConfig({
      redis: { url: testRedisUrl },
      rate_limit: { per_ip_per_minute: 1000, per_client_per_minute: 3 },
      clients: [...CLIENTS, { client_id: clientId, client_secret: 'rl-secret-0123456789abcdefghijklmn' }],
    });
    const ipConfig = testConfig({
      redis: { url: testRedisUrl },
      rate_limit: { per_ip_per_minute: 2, per_client_per_minute: 1000 },
    });
    const nodes = await Promise.all([config, config, ipConfig, ipConfig].map((c) => openGatehouse(c)));
    const apps = await Promise.all(nodes.map((ctx) => buildApp(ctx)));
    try {
      const token = (
        i: number,
        from: string,
        authorization = basic(clientId, 'rl-secret-0123456789abcdefghijklmn'),
      ) =>
        apps[i]!.inject({
          method: 'POST',
          url: '/api/oauth/token',
          remoteAddress: from,
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization },
          payload: 'grant_type=client_credentials',
        });
      // per client: 3 per minute in total, whichever node serves them
      expect((await token(0, '10.9.0.1')).statusCode).toBe(200);
      expect((await token(1, '10.9.0.2')).statusCode).toBe(200);
      expect((await token(0, '10.9.0.3')).statusCode).toBe(200);
      const limited = await token(1, '10.9.0.4');
      expect(limited.statusCode).toBe(429);
      expect(limited.json().error).toBe('temporarily_unavailable');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      // per IP: 2 per minute from one address in total
      const svc = basic('svc-basic', 'basic-secret');
      expect((await token(2, ip, svc)).statusCode).toBe(200);
      expect((await token(3, ip, svc)).statusCode).toBe(200);
      expect((await token(2, ip, svc)).statusCode).toBe(429);
      expect((await token(3, ip, svc)).statusCode).toBe(429);
      // and the counter lives in the store's Redis namespace
      const redis = (nodes[0]!.store as unknown as { client: import('ioredis').Redis }).client;
      const keys = await redis.keys(`${TEST_REDIS_KEY_PREFIX}rate-limit:*${clientId}`);
      expect(keys.length).toBe(1);
    } finally {
      for (const app of apps) await app.close();
      for (const ctx of nodes) await ctx.close();
    }
  });
});
