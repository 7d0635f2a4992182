import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MemoryStore, StoreFullError } from '../src/infra/store/index.js';
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

describe('in-process store size cap', () => {
  it('holds at most its maximum number of entries, dropping the oldest counters', async () => {
    const store = new MemoryStore(100);
    for (let i = 0; i < 1000; i++) await store.increment(`login-fail:ip:${i}`, 1, 900);
    expect(store.size).toBeLessThanOrEqual(100);
    expect(await store.get('login-fail:ip:999')).toBe('1');
    expect(await store.get('login-fail:ip:0')).toBeUndefined();
  });

  it('drops expired entries before any live counter', async () => {
    const store = new MemoryStore(100);
    await store.increment('live-counter', 1, 900);
    for (let i = 0; i < 99; i++) await store.set(`short:${i}`, 'v', 0.001);
    await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < 50; i++) await store.set(`new:${i}`, 'v', 900);
    expect(await store.get('live-counter')).toBe('1');
    expect(store.size).toBeLessThanOrEqual(100);
  });

  it('never drops a revocation or single-use marker to make room: refuses the write with a 503 instead', async () => {
    const store = new MemoryStore(100);
    for (let i = 0; i < 100; i++) await store.set(`revoked:${i}`, '1', 900, { keep: true });
    // Counters come and go; the markers stay.
    for (let i = 0; i < 10; i++)
      await expect(store.increment(`c:${i}`, 1, 900)).rejects.toThrow(StoreFullError);
    await expect(store.setIfAbsent('used:x', '1', 900, { keep: true })).rejects.toMatchObject({
      code: 'temporarily_unavailable',
      status: 503,
    });
    expect(await store.get('revoked:0')).toBe('1');
    expect(store.size).toBe(100);
    // Overwriting a key that is there needs no room.
    await store.set('revoked:0', '1', 900, { keep: true });
  });

  it('drops the oldest plain entries (sessions, codes, device requests) rather than refusing writes', async () => {
    // A flood of device authorization requests (two plain entries each) must not turn into an outage: the
    // oldest pending requests are forgotten (refused as if expired) and the revocations stay.
    const store = new MemoryStore(100);
    for (let i = 0; i < 20; i++) await store.set(`revoked:${i}`, '1', 900, { keep: true });
    for (let i = 0; i < 500; i++) await store.set(`device:${i}`, '{}', 1200);
    expect(store.size).toBeLessThanOrEqual(100);
    expect(await store.get('device:499')).toBe('{}');
    expect(await store.get('device:0')).toBeUndefined();
    for (let i = 0; i < 20; i++) expect(await store.get(`revoked:${i}`)).toBe('1');
  });

  it('makes room for a marker by dropping a counter', async () => {
    const store = new MemoryStore(100);
    for (let i = 0; i < 50; i++) await store.set(`revoked:${i}`, '1', 900, { keep: true });
    for (let i = 0; i < 50; i++) await store.increment(`c:${i}`, 1, 900);
    for (let i = 0; i < 50; i++)
      expect(await store.setIfAbsent(`used:${i}`, '1', 900, { keep: true })).toBe(true);
    for (let i = 0; i < 50; i++) expect(await store.get(`revoked:${i}`)).toBe('1');
    expect(store.size).toBe(100);
  });
});
