import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MemoryStore } from '../src/infra/store/index.js';
import { testApp } from './support/app.js';
import {
  authorizeUrl,
  Browser,
  FORM,
  hiddenFields,
  pkce,
  WEB_APP,
  webAppAuthorizeParams,
} from './support/form-login.js';

type T = Awaited<ReturnType<typeof testApp>>;

/**
 * Unauthenticated sign-in attempts must not grow the shared store without limit: each POST used to leave a
 * 15-minute counter keyed by the raw username (up to a 64 KiB body), even from an address already locked out.
 */
describe('sign-in attempts and the store', () => {
  let t: T;
  let fields: Record<string, string>;
  let cookie: string;
  beforeAll(async () => {
    t = await testApp({ oauth: { issuer: 'https://id.example.com' }, clients: [WEB_APP] });
    const b = new Browser(t);
    const page = await b.request('GET', authorizeUrl(webAppAuthorizeParams(pkce().challenge)));
    fields = hiddenFields(page.body);
    cookie = b.header;
  });
  afterAll(async () => t.close());

  const attempt = async (username: string, ip: string) =>
    (
      await t.app.inject({
        method: 'POST',
        url: '/api/oauth/authorize',
        remoteAddress: ip,
        headers: { ...FORM, cookie },
        payload: new URLSearchParams({ ...fields, username, password: 'wrong' }).toString(),
      })
    ).statusCode;
  const storeSize = () => (t.ctx.store as MemoryStore).size;

  it('refuses a username longer than 256 characters as a failed sign-in, storing nothing for it', async () => {
    expect(await attempt('someone', '203.0.113.1')).toBe(401);
    const before = storeSize();
    for (let i = 0; i < 10; i++)
      expect(await attempt(`u${i}-${'x'.repeat(10_000)}`, '203.0.113.1')).toBe(401);
    expect(storeSize()).toBe(before);
  });

  it('keys per-username counters by a fixed-size hash, not by the username', async () => {
    const increment = vi.spyOn(t.ctx.store, 'increment');
    try {
      expect(await attempt('y'.repeat(256), '203.0.113.2')).toBe(401);
      const keys = increment.mock.calls.map(([key]) => key);
      expect(keys.some((k) => k.startsWith('login-fail:u:'))).toBe(true);
      for (const k of keys) expect(k.length).toBeLessThan(80);
    } finally {
      increment.mockRestore();
    }
  });

  it('writes no per-username counter for an address already over its limit', async () => {
    for (let i = 0; i < 20; i++) expect(await attempt(`victim-${i}`, '203.0.113.3')).toBe(401);
    const before = storeSize();
    for (let i = 0; i < 30; i++) expect(await attempt(`other-${i}`, '203.0.113.3')).toBe(429);
    expect(storeSize()).toBe(before);
  });
});
