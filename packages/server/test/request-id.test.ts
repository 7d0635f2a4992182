import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from './support/app.js';

describe('X-Request-Id', () => {
  let t: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    t = await testApp();
  });
  afterAll(async () => t.close());

  it('echoes a well-formed incoming id', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/healthz',
      headers: { 'x-request-id': 'abc-123' },
    });
    expect(res.headers['x-request-id']).toBe('abc-123');
  });

  it('generates an id when none or a malformed one is sent', async () => {
    const none = await t.app.inject({ method: 'GET', url: '/api/healthz' });
    expect(none.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const bad = await t.app.inject({
      method: 'GET',
      url: '/api/healthz',
      headers: { 'x-request-id': 'a b\tc' },
    });
    expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
