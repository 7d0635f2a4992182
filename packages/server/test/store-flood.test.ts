import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gatehouse, openGatehouse } from '../src/app/gatehouse.js';
import { buildApp } from '../src/app/server.js';
import { createServices } from '../src/app/services.js';
import { DEVICE_CODE_GRANT_TYPE } from '../src/domain/index.js';
import { MemoryStore, StoreFullError, storeKeys } from '../src/infra/store/index.js';
import { sha256Key } from '../src/service/crypto/hash.js';
import { createSession, getSession } from '../src/service/sessions/sessions.js';
import { testConfig } from './support/app.js';
import {
  authorizeUrl,
  Browser,
  FORM,
  pkce,
  signInThroughForms,
  WEB_APP,
  webAppAuthorizeParams,
} from './support/form-login.js';

/*
 * The in-process store is bounded; what unauthenticated requests write in bulk (device authorization requests
 * of a public client: two entries each) must never push out a session or a sign-in failure counter — that would
 * let anyone sign every user out and reset the throttles. Only `cheap` entries are dropped to make room; a store
 * full of anything else refuses the write (503) instead.
 */

describe('in-process store write priorities', () => {
  it('drops only the oldest cheap entries to make room, whatever writes', async () => {
    const store = new MemoryStore(100);
    const session = await createSession(store, 'user-1');
    await store.increment('login-fail:u:x', 1, 900, { priority: 'protected' });
    await store.set('revoked:1', '1', 900, { priority: 'keep' });
    for (let i = 0; i < 1000; i++) await store.set(`device:${i}`, '{}', 1200, { priority: 'cheap' });
    expect(store.size).toBeLessThanOrEqual(100);
    expect(await store.get('device:999')).toBe('{}');
    expect(await store.get('device:0')).toBeUndefined();
    expect(await getSession(store, session.sid)).toEqual(session);
    expect(await store.get('login-fail:u:x')).toBe('1');
    expect(await store.get('revoked:1')).toBe('1');
  });

  it('refuses a cheap write (503) when nothing cheap is left to drop, never dropping protected entries', async () => {
    const store = new MemoryStore(100);
    for (let i = 0; i < 90; i++) await store.increment(`login-fail:ip:${i}`, 1, 900);
    for (let i = 0; i < 5; i++)
      await expect(store.set(`device:${i}`, '{}', 900, { priority: 'cheap' })).rejects.toMatchObject({
        code: 'temporarily_unavailable',
        status: 503,
      });
    for (let i = 0; i < 90; i++) expect(await store.get(`login-fail:ip:${i}`)).toBe('1');
  });

  it('keeps a tenth of the store for keep writes: sessions and counters cannot crowd out a revocation', async () => {
    const store = new MemoryStore(100);
    for (let i = 0; i < 90; i++) await createSession(store, `user-${i}`);
    await expect(createSession(store, 'one-more')).rejects.toThrow(StoreFullError);
    await expect(store.increment('login-fail:ip:x', 1, 900)).rejects.toThrow(StoreFullError);
    for (let i = 0; i < 10; i++) await store.set(`grant-revoked:${i}`, '1', 900, { priority: 'keep' });
    expect(store.size).toBe(100);
    await expect(store.setIfAbsent('claim:x', '1', 900, { priority: 'keep' })).rejects.toThrow(
      StoreFullError,
    );
    // Overwriting a key that is there needs no room.
    await store.set('grant-revoked:0', '1', 900, { priority: 'keep' });
  });

  it('makes room for protected and keep writes by dropping cheap entries', async () => {
    const store = new MemoryStore(100);
    for (let i = 0; i < 50; i++) await store.set(`revoked:${i}`, '1', 900, { priority: 'keep' });
    for (let i = 0; i < 50; i++) await store.set(`consent:${i}`, '[]', 300, { priority: 'cheap' });
    for (let i = 0; i < 40; i++) await store.increment(`login-fail:ip:${i}`, 1, 900);
    for (let i = 0; i < 10; i++)
      expect(await store.setIfAbsent(`claim:${i}`, '1', 900, { priority: 'keep' })).toBe(true);
    expect(store.size).toBe(100);
    for (let i = 0; i < 50; i++) expect(await store.get(`revoked:${i}`)).toBe('1');
    for (let i = 0; i < 40; i++) expect(await store.get(`login-fail:ip:${i}`)).toBe('1');
  });

  it('drops expired entries before any live one', async () => {
    const store = new MemoryStore(100);
    await store.increment('live-counter', 1, 900);
    for (let i = 0; i < 89; i++) await store.set(`short:${i}`, 'v', 0.001);
    await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < 50; i++) await store.set(`new:${i}`, 'v', 900);
    expect(await store.get('live-counter')).toBe('1');
    expect(store.size).toBeLessThanOrEqual(90);
  });
});

describe('a flood of device authorization requests against a small in-process store', () => {
  const WEB = { ...WEB_APP, skip_consent: true };
  const USER = { username: 'ursula', password: 'ursula password 1' };
  const TV = { client_id: 'tv', token_endpoint_auth_method: 'none', grant_types: [DEVICE_CODE_GRANT_TYPE] };
  const store = new MemoryStore(300);
  let base: Gatehouse;
  let ctx: Gatehouse;
  let app: Awaited<ReturnType<typeof buildApp>>;

  beforeAll(async () => {
    base = await openGatehouse(testConfig({ clients: [WEB, TV], users: [USER] }));
    // The same server over a store of 300 entries (openGatehouse's has 100,000).
    const { close, ...services } = createServices(base.config, base.database, store, base.logger);
    await services.keys.init();
    ctx = { ...base, ...services, store, close: async () => close() };
    app = await buildApp(ctx);
  });
  afterAll(async () => {
    await app.close();
    await ctx.close();
    await base.close();
  });

  const t = {
    get app() {
      return app;
    },
  };

  it('never evicts a session or a sign-in failure counter', async () => {
    const signedIn = new Browser(t);
    const first = await signInThroughForms(
      signedIn,
      webAppAuthorizeParams(pkce().challenge),
      USER.username,
      USER.password,
    );
    expect(new URL(first.headers.location as string).searchParams.get('code')).toBeTruthy();
    const attacker = new Browser(t);
    for (let i = 0; i < 3; i++)
      expect(
        (await signInThroughForms(attacker, webAppAuthorizeParams(pkce().challenge), 'victim', 'guess'))
          .statusCode,
      ).toBe(401);
    const counter = storeKeys.signInFailuresOfUser(sha256Key('victim'));
    expect(await store.get(counter)).toBe('3');

    // 500 requests from 500 addresses (no per-address cap reached): 1,000 cheap entries through 270 places.
    for (let i = 0; i < 500; i++) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/oauth/device_authorization',
        remoteAddress: `198.51.${i >> 8}.${i & 255}`,
        headers: FORM,
        payload: 'client_id=tv&scope=openid',
      });
      expect(res.statusCode, res.body).toBe(200);
    }
    expect(store.size).toBeLessThanOrEqual(300);

    // Still signed in: single sign-on redirects with a code, no login page.
    const again = await signedIn.request('GET', authorizeUrl(webAppAuthorizeParams(pkce().challenge)));
    expect(new URL(again.headers.location as string).searchParams.get('code')).toBeTruthy();
    // The guesses are still counted: two more lock the account.
    expect(await store.get(counter)).toBe('3');
    for (let i = 0; i < 2; i++)
      expect(
        (await signInThroughForms(attacker, webAppAuthorizeParams(pkce().challenge), 'victim', 'guess'))
          .statusCode,
      ).toBe(401);
    expect(
      (await signInThroughForms(attacker, webAppAuthorizeParams(pkce().challenge), 'victim', 'guess'))
        .statusCode,
    ).toBe(429);
  }, 60_000);
});
