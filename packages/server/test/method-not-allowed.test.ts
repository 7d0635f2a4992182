import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from './support/app.js';

describe('wrong HTTP methods', () => {
  let t: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    t = await testApp();
  });
  afterAll(async () => t.close());

  it('answers 405 with Allow and an OAuth error body for a known path, 404 for an unknown one', async () => {
    for (const [method, url, allow] of [
      ['GET', '/api/oauth/token', 'POST'],
      ['PUT', '/api/oauth/introspect?x=1', 'POST'],
      ['DELETE', '/api/oauth/revoke', 'POST'],
      ['POST', '/api/healthz', 'GET, HEAD'],
    ] as const) {
      const res = await t.app.inject({ method, url });
      expect(res.statusCode, `${method} ${url}`).toBe(405);
      expect(res.headers.allow).toBe(allow);
      expect(res.json().error).toBe('invalid_request');
    }
    const missing = await t.app.inject({ method: 'GET', url: '/api/oauth/nothing-here' });
    expect(missing.statusCode).toBe(404);
  });
});
