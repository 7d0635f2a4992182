import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missing, testDatabaseUrl } from '../../../test-support/services.js';
import { openGatehouse } from '../src/app/gatehouse.js';
import { buildApp } from '../src/app/server.js';
import { testConfig } from './support/app.js';
import { type TcpProxy, tcpProxy } from './support/fault-injection/tcp-proxy.js';
import { createFreshSchema, type FreshSchema } from './support/fresh-schema.js';
import { basic, freePort } from './support/http.js';

/*
 * PostgreSQL becoming unreachable (a network cut, a restart) must give `503 temporarily_unavailable`, which
 * clients retry, not a 500 — and the server must recover when the database is back. The database is the
 * real one, reached through a TCP proxy of the test's own that is cut and restored.
 */

describe.skipIf(missing('postgres'))('database outage', () => {
  let schema: FreshSchema;
  let proxy: TcpProxy;
  let url: string;
  beforeAll(async () => {
    schema = await createFreshSchema();
    const port = await freePort();
    const target = new URL(testDatabaseUrl!);
    proxy = tcpProxy(port, { host: target.hostname, port: Number(target.port || 5432) });
    await proxy.open();
    const viaProxy = new URL(schema.url);
    viaProxy.host = `127.0.0.1:${port}`;
    url = viaProxy.toString();
  });
  afterAll(async () => schema.drop());

  it('answers 503 temporarily_unavailable while PostgreSQL is unreachable, and recovers', async () => {
    const ctx = await openGatehouse(testConfig({ database: { url } }));
    const app = await buildApp(ctx);
    // An unknown client is looked up in the database on every request (nothing cached).
    const token = () =>
      app.inject({
        method: 'POST',
        url: '/api/oauth/token',
        headers: {
          authorization: basic('not-cached-client', 'secret'),
          'content-type': 'application/x-www-form-urlencoded',
        },
        payload: 'grant_type=client_credentials',
      });
    try {
      expect((await token()).statusCode).toBe(401);
      await proxy.cut();
      const start = Date.now();
      const res = await token();
      expect(res.statusCode, res.body).toBe(503);
      expect(res.json().error).toBe('temporarily_unavailable');
      expect(res.headers['retry-after']).toBeDefined();
      expect(Date.now() - start).toBeLessThan(10_000);
      expect((await app.inject({ method: 'GET', url: '/api/healthz' })).json().checks.database).toBe('error');
      await proxy.open();
      await expect.poll(async () => (await token()).statusCode, { timeout: 10_000 }).toBe(401);
    } finally {
      await app.close();
      await ctx.close();
    }
  }, 60_000);
});
