import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { missing } from '../../../test-support/services.js';
import { type Gatehouse, openGatehouse } from '../src/app/gatehouse.js';
import { buildApp } from '../src/app/server.js';
import { SECRET, type TestApp, testApp, testConfig } from './support/app.js';
import { startServe } from './support/cli.js';
import { RedisProcess, redisServerUnavailable } from './support/fault-injection/redis-process.js';
import { freePort } from './support/http.js';
import { schemaBehindProxy } from './support/schema-behind-proxy.js';

/*
 * /api/livez says the process answers; /api/readyz whether a load balancer should send it traffic: not while
 * PostgreSQL or the store cannot be reached, nor while it drains after a stop signal. The outages are real: a
 * redis-server of the test's own is killed, PostgreSQL is reached through a TCP proxy that is cut.
 */

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};

describe('livez and readyz', () => {
  it('answer 200 on a healthy node, and readyz 503 while draining', async () => {
    const t = await testApp();
    try {
      const livez = await t.app.inject({ method: 'GET', url: '/api/livez' });
      expect([livez.statusCode, livez.json()]).toEqual([200, { status: 'ok' }]);
      const readyz = await t.app.inject({ method: 'GET', url: '/api/readyz' });
      expect(readyz.statusCode).toBe(200);
      expect(readyz.json()).toEqual({ status: 'ready', checks: { database: 'ok', store: 'ok' } });
    } finally {
      await t.close();
    }
    const ctx = await openGatehouse(testConfig());
    const readiness = { draining: true };
    const app = await buildApp(ctx, { readiness });
    try {
      const draining = await app.inject({ method: 'GET', url: '/api/readyz' });
      expect([draining.statusCode, draining.json()]).toEqual([503, { status: 'draining' }]);
      expect((await app.inject({ method: 'GET', url: '/api/livez' })).statusCode).toBe(200);
      readiness.draining = false;
      expect((await app.inject({ method: 'GET', url: '/api/readyz' })).statusCode).toBe(200);
    } finally {
      await app.close();
      await ctx.close();
    }
  });

  it.skipIf(redisServerUnavailable() !== undefined)(
    'readyz answers 503 while Redis is down, livez 200, and ready again once it is back',
    async () => {
      const redis = new RedisProcess(await freePort(), tempDir('gh-readyz-redis-'));
      await redis.start();
      let t: TestApp | undefined;
      try {
        t = await testApp({ redis: { url: redis.url } });
        const { app } = t;
        const readyz = () => app.inject({ method: 'GET', url: '/api/readyz' });
        expect((await readyz()).statusCode).toBe(200);
        await redis.kill();
        const down = await readyz();
        expect(down.statusCode).toBe(503);
        expect(down.json()).toEqual({ status: 'not_ready', checks: { database: 'ok', store: 'error' } });
        expect((await app.inject({ method: 'GET', url: '/api/livez' })).statusCode).toBe(200);
        await redis.start();
        await expect.poll(async () => (await readyz()).statusCode, { timeout: 10_000 }).toBe(200);
      } finally {
        await t?.close();
        await redis.kill();
      }
    },
    60_000,
  );

  it.skipIf(missing('postgres'))(
    'readyz answers 503 while PostgreSQL is unreachable, and ready again once it is back',
    async () => {
      const db = await schemaBehindProxy();
      let ctx: Gatehouse | undefined;
      let app: FastifyInstance | undefined;
      try {
        ctx = await openGatehouse(testConfig({ database: { url: db.url } }));
        const built = await buildApp(ctx);
        app = built;
        const readyz = () => built.inject({ method: 'GET', url: '/api/readyz' });
        expect((await readyz()).statusCode).toBe(200);
        await db.proxy.cut();
        const down = await readyz();
        expect(down.statusCode).toBe(503);
        expect(down.json().checks).toEqual({ database: 'error', store: 'ok' });
        await db.proxy.open();
        await expect.poll(async () => (await readyz()).statusCode, { timeout: 10_000 }).toBe(200);
      } finally {
        await app?.close();
        await ctx?.close();
        await db.drop();
      }
    },
    60_000,
  );
});

describe('gatehouse serve', () => {
  it('logs its start-up summary, then on SIGTERM each stop step in order, and exits 0', async () => {
    const metricsPort = await freePort();
    const { url, output, stop } = await startServe({
      env: {
        DATA_DIR: tempDir('gh-serve-'),
        JWT_SECRET: SECRET,
        LOG_LEVEL: 'info',
        METRICS__PORT: String(metricsPort),
      },
    });
    try {
      await expect
        .poll(async () => (await fetch(`${url}/api/readyz`).catch(() => undefined))?.status, {
          timeout: 5_000,
        })
        .toBe(200);
      await expect.poll(() => output(), { timeout: 5_000 }).toContain('gatehouse started');
      expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status).toBe(200);
      expect(await stop('SIGTERM'), output()).toBe(0);
      const messages = output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { level: number; msg: string });
      const steps = messages.filter((m) => m.msg.startsWith('shutdown: ')).map((m) => m.msg);
      expect(steps).toEqual([
        'shutdown: SIGTERM received',
        'shutdown: draining, /api/readyz answers 503',
        'shutdown: no new connections, waiting for the requests in flight',
        'shutdown: requests in flight finished, listener closed',
        'shutdown: metrics listener closed',
        'shutdown: signing worker, store and database closed',
      ]);
      expect(messages.filter((m) => m.msg.startsWith('shutdown: ')).every((m) => m.level === 30)).toBe(true);
    } finally {
      await stop('SIGKILL');
    }
  }, 120_000);
});
