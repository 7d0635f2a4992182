import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missing } from '../../../test-support/services.js';
import { openGatehouse } from '../src/app/gatehouse.js';
import { buildApp } from '../src/app/server.js';
import { testConfig } from './support/app.js';
import { basic } from './support/http.js';
import { type SchemaBehindProxy, schemaBehindProxy } from './support/schema-behind-proxy.js';

/*
 * PostgreSQL becoming unreachable (a network cut, a restart) must give `503 temporarily_unavailable`, which
 * clients retry, not a 500 — and the server must recover when the database is back. The database is the
 * real one, reached through a TCP proxy of the test's own that is cut and restored.
 */

describe.skipIf(missing('postgres'))('database outage', () => {
  let db: SchemaBehindProxy;
  beforeAll(async () => {
    db = await schemaBehindProxy();
  });
  afterAll(async () => db.drop());

  it('answers 503 temporarily_unavailable while PostgreSQL is unreachable, and recovers', async () => {
    const ctx = await openGatehouse(testConfig({ database: { url: db.url } }));
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
      await db.proxy.cut();
      const start = Date.now();
      const res = await token();
      expect(res.statusCode, res.body).toBe(503);
      expect(res.json().error).toBe('temporarily_unavailable');
      expect(res.headers['retry-after']).toBeDefined();
      expect(Date.now() - start).toBeLessThan(10_000);
      expect((await app.inject({ method: 'GET', url: '/api/healthz' })).json().checks.database).toBe('error');
      await db.proxy.open();
      await expect.poll(async () => (await token()).statusCode, { timeout: 10_000 }).toBe(401);
    } finally {
      await app.close();
      await ctx.close();
    }
  }, 60_000);
});
