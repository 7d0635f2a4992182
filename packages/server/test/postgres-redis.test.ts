import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missing, testRedisUrl } from '../../../test-support/services.js';
import { openGatehouse } from '../src/app/gatehouse.js';
import { buildApp } from '../src/app/server.js';
import { testConfig } from './support/app.js';
import { createFreshSchema, type FreshSchema } from './support/fresh-schema.js';
import { basic } from './support/http.js';

describe.skipIf(missing('postgres') || missing('redis'))('on PostgreSQL and Redis', () => {
  let schema: FreshSchema;
  beforeAll(async () => {
    schema = await createFreshSchema();
  });
  afterAll(async () => schema.drop());

  const config = () =>
    testConfig({
      database: { url: schema.url },
      redis: { url: testRedisUrl },
    });

  it('migrates into the fresh schema, and a revocation is seen by a second node', async () => {
    const a = await openGatehouse(config());
    const b = await openGatehouse(config());
    const appA = await buildApp(a);
    const appB = await buildApp(b);
    try {
      const tables = await schema.admin.query<{ table_name: string }>(
        'select table_name from information_schema.tables where table_schema = $1 order by 1',
        [schema.name],
      );
      expect(tables.rows.map((r) => r.table_name)).toEqual(
        expect.arrayContaining(['clients', 'consents', 'signing_keys', 'users']),
      );
      expect((await appA.inject({ method: 'GET', url: '/api/healthz' })).json()).toEqual({
        status: 'ok',
        checks: { database: 'ok', store: 'ok' },
      });
      const auth = { authorization: basic('svc-basic', 'basic-secret') };
      const headers = { ...auth, 'content-type': 'application/x-www-form-urlencoded' };
      const tok = await appA.inject({
        method: 'POST',
        url: '/api/oauth/token',
        headers,
        payload: 'grant_type=client_credentials',
      });
      const token = tok.json().access_token as string;
      const introspect = () =>
        appB.inject({ method: 'POST', url: '/api/oauth/introspect', headers, payload: `token=${token}` });
      expect((await introspect()).json().active).toBe(true);
      await appA.inject({ method: 'POST', url: '/api/oauth/revoke', headers, payload: `token=${token}` });
      expect((await introspect()).json()).toEqual({ active: false });
    } finally {
      await appA.close();
      await appB.close();
      await a.close();
      await b.close();
    }
  });
});
