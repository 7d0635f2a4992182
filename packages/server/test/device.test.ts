import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEVICE_CODE_GRANT_TYPE } from '../src/domain/index.js';
import { sha256Key } from '../src/service/crypto/hash.js';
import { createSession } from '../src/service/sessions/sessions.js';
import { CLIENTS, testApp, tokenRequest } from './support/app.js';
import { Browser, FORM, hiddenFields as hidden } from './support/form-login.js';

const DEVICE = 'urn:ietf:params:oauth:grant-type:device_code';
const USER = { username: 'carol', password: 'carol password 1', email: 'carol@example.com' };
describe('device authorization grant (RFC 8628)', () => {
  let t: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    t = await testApp({
      oauth: { issuer: 'https://id.example.com' },
      clients: [
        ...CLIENTS,
        {
          client_id: 'tv',
          client_name: 'Living-room TV',
          token_endpoint_auth_method: 'none',
          grant_types: [DEVICE, 'refresh_token'],
        },
      ],
      users: [USER],
    });
  });
  afterAll(async () => t.close());

  const post = (url: string, form: Record<string, string>, cookie = '') =>
    t.app.inject({
      method: 'POST',
      url,
      headers: { ...FORM, ...(cookie ? { cookie } : {}) },
      payload: new URLSearchParams(form).toString(),
    });
  const poll = (deviceCode: string) =>
    post('/api/oauth/token', { grant_type: DEVICE, device_code: deviceCode, client_id: 'tv' });

  async function start(scope = 'openid offline_access') {
    const res = await post('/api/oauth/device_authorization', { client_id: 'tv', scope });
    expect(res.statusCode).toBe(200);
    return res.json();
  }

  async function decide(userCode: string, consent: 'approve' | 'deny', password = USER.password) {
    const page = await t.app.inject({ method: 'GET', url: `/api/oauth/device?user_code=${userCode}` });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    const cookie = page.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    return post(
      '/api/oauth/device',
      { ...hidden(page.body), user_code: userCode.toLowerCase(), username: 'carol', password, consent },
      cookie,
    );
  }

  it('names the waiting device on the page for a pending user code, and nothing for an unknown one', async () => {
    const d = await start();
    const page = await t.app.inject({ method: 'GET', url: `/api/oauth/device?user_code=${d.user_code}` });
    expect(page.body).toContain('<strong>Living-room TV</strong> is asking for access.');
    const unknown = await t.app.inject({ method: 'GET', url: '/api/oauth/device?user_code=BCDF-GHJK' });
    expect(unknown.body).not.toContain('is asking for access');
  });

  it('shows a confirmation page naming the client and listing the scopes before anything is decided', async () => {
    const d = await start('openid offline_access');
    const page = await t.app.inject({ method: 'GET', url: `/api/oauth/device?user_code=${d.user_code}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<strong>Living-room TV</strong> is asking for access.');
    expect(page.body).toContain('<li>Confirm who you are</li>');
    expect(page.body).toContain('<li>Stay signed in when you are away</li>');
    // The code is shown, and carried in a hidden field: what is approved is what is shown.
    expect(page.body).toContain(`<strong class="code">${d.user_code}</strong>`);
    expect(page.body).toContain(`<input type="hidden" name="user_code" value="${d.user_code}">`);
    expect(page.body).toContain('value="approve"');
    expect((await poll(d.device_code)).json().error).toBe('authorization_pending');
  });

  it('takes a typed code as a lookup: a decision posted from the entry page shows the confirmation page', async () => {
    const browser = new Browser(t);
    // Signed in (through a first device's confirmation page), so no password stands between code and decision.
    const first = await start();
    const firstPage = await browser.request('GET', `/api/oauth/device?user_code=${first.user_code}`);
    const signedIn = await browser.request('POST', '/api/oauth/device', {
      ...hidden(firstPage.body),
      username: USER.username,
      password: USER.password,
      consent: 'approve',
    });
    expect(signedIn.body).toContain('Device connected');

    const d = await start();
    const entry = await browser.request('GET', '/api/oauth/device');
    expect(entry.statusCode).toBe(200);
    expect(entry.body).not.toContain('name="consent"');
    // What the reviewer's script did: the code and Allow in one post from the entry page.
    const oneStep = await browser.request('POST', '/api/oauth/device', {
      ...hidden(entry.body),
      user_code: d.user_code,
      consent: 'approve',
    });
    expect(oneStep.statusCode).toBe(200);
    expect(oneStep.body).toContain('<strong>Living-room TV</strong> is asking for access.');
    expect((await poll(d.device_code)).json().error).toBe('authorization_pending');

    // Nor does one code's confirmation page decide another: its token is bound to its code (403).
    const other = await start();
    const wrongPage = await browser.request('POST', '/api/oauth/device', {
      ...hidden(oneStep.body),
      user_code: other.user_code,
      consent: 'approve',
    });
    expect(wrongPage.statusCode).toBe(403);
    expect((await poll(other.device_code)).json().error).toBe('authorization_pending');

    // Allow on the confirmation page decides.
    const allowed = await browser.request('POST', '/api/oauth/device', {
      ...hidden(oneStep.body),
      consent: 'approve',
    });
    expect(allowed.body).toContain('Device connected');
    expect((await poll(d.device_code)).statusCode).toBe(200);
  });

  it('returns device and user codes with the verification URI', async () => {
    const d = await start();
    expect(d.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(d.verification_uri).toBe('https://id.example.com/api/oauth/device');
    expect(d.verification_uri_complete).toContain(d.user_code);
    expect(d).toMatchObject({ expires_in: 600, interval: 5 });
  });

  it('answers authorization_pending, then slow_down when polling too fast', async () => {
    const d = await start();
    expect((await poll(d.device_code)).json().error).toBe('authorization_pending');
    expect((await poll(d.device_code)).json().error).toBe('slow_down');
  });

  it('issues tokens once the user signs in and approves; the device code is single use', async () => {
    const d = await start();
    const res = await decide(d.user_code, 'approve');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Device connected');
    const tok = await poll(d.device_code);
    expect(tok.statusCode).toBe(200);
    expect(tok.json()).toMatchObject({ token_type: 'Bearer', scope: 'openid offline_access' });
    expect(tok.json().id_token).toBeTruthy();
    expect(tok.json().refresh_token).toBeTruthy();
    expect((await poll(d.device_code)).json().error).toBe('invalid_grant');
    // Counted under the short label the metrics list documents, not the URN.
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/gatehouse_tokens_issued_total\{grant_type="device_code"\} [1-9]/);
  });

  it('answers invalid_grant for a device code it never issued (expired_token is for codes that expired)', async () => {
    const res = await poll('never-issued');
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('invalid_grant');
  });

  it('keeps a decision the user makes while a poll is in flight', async () => {
    const d = await start();
    const session = await createSession(
      t.ctx.store,
      (await t.ctx.users.verifyPassword('carol', USER.password))!.id,
    );
    // The poll reads the pending record, then the user approves before the poll has answered (a store
    // round trip on another node, say).
    const key = `device:${sha256Key(d.device_code)}`;
    const get = t.ctx.store.get.bind(t.ctx.store);
    const spy = vi.spyOn(t.ctx.store, 'get').mockImplementation(async (k: string) => {
      const value = await get(k);
      if (k === key) {
        spy.mockRestore();
        expect(await t.ctx.deviceRequests.decide(d.user_code, session, true)).toBe(true);
      }
      return value;
    });
    expect((await poll(d.device_code)).json().error).toBe('authorization_pending');
    const tok = await poll(d.device_code);
    expect(tok.statusCode).toBe(200);
    expect(tok.json().access_token).toBeTruthy();
  });

  it('answers access_denied when the user denies', async () => {
    const d = await start();
    await decide(d.user_code, 'deny');
    expect((await poll(d.device_code)).json().error).toBe('access_denied');
  });

  it('rejects a wrong password and a forged CSRF token without approving', async () => {
    const d = await start();
    expect((await decide(d.user_code, 'approve', 'wrong password!')).statusCode).toBe(401);
    const forged = await post('/api/oauth/device', {
      csrf_token: 'x',
      user_code: d.user_code,
      username: 'carol',
      password: USER.password,
      consent: 'approve',
    });
    expect(forged.statusCode).toBe(403);
    expect((await poll(d.device_code)).json().error).toBe('authorization_pending');
  });

  it('decides a user code exactly once and issues tokens once, even for concurrent requests', async () => {
    // Called on the services directly: through HTTP the argon2 login serialises the two requests.
    const d = await start();
    const session = await createSession(
      t.ctx.store,
      (await t.ctx.users.verifyPassword('carol', USER.password))!.id,
    );
    const decisions = await Promise.all([
      t.ctx.deviceRequests.decide(d.user_code, session, true),
      t.ctx.deviceRequests.decide(d.user_code, session, true),
    ]);
    expect(decisions.sort()).toEqual([false, true]);
    const tv = (await t.ctx.clients.find('tv'))!;
    const polls = await Promise.allSettled([
      t.ctx.grants.find(DEVICE_CODE_GRANT_TYPE).exchange(tv, tokenRequest({ device_code: d.device_code })),
      t.ctx.grants.find(DEVICE_CODE_GRANT_TYPE).exchange(tv, tokenRequest({ device_code: d.device_code })),
    ]);
    expect(polls.map((p) => p.status).sort()).toEqual(['fulfilled', 'rejected']);
  });

  it('expires a device code expires_in after issue, however often it is polled or when it is approved', async () => {
    // Only Date is faked: the service and the in-process store both read the clock through Date.now.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const start0 = Date.now();
      const at = (secs: number) => vi.setSystemTime(start0 + secs * 1000);
      const pending = await start();
      const approved = await start();
      expect(pending.expires_in).toBe(600);
      // Polling (every interval) right up to the end must not push the end back.
      for (const secs of [100, 300, 500, 590]) {
        at(secs);
        expect((await poll(pending.device_code)).json().error).toBe('authorization_pending');
      }
      const session = await createSession(
        t.ctx.store,
        (await t.ctx.users.verifyPassword('carol', USER.password))!.id,
      );
      expect(await t.ctx.deviceRequests.decide(approved.user_code, session, true)).toBe(true);
      at(601);
      for (const d of [pending, approved]) {
        const res = await poll(d.device_code);
        expect(res.statusCode).toBe(400);
        expect(res.json().error).toBe('expired_token');
      }
    } finally {
      vi.useRealTimers();
    }
  });

  it('answers expired_token once expiresAt has passed even while the store still holds the record', async () => {
    // A store entry can outlive the code (a Redis TTL set by another node, clock skew): the record's own
    // absolute expiry decides.
    const d = await start();
    const key = `device:${sha256Key(d.device_code)}`;
    const rec = JSON.parse((await t.ctx.store.get(key))!) as Record<string, unknown>;
    expect(rec['expiresAt']).toBeTypeOf('number');
    await t.ctx.store.set(key, JSON.stringify({ ...rec, expiresAt: Math.floor(Date.now() / 1000) - 1 }), 600);
    expect((await poll(d.device_code)).json().error).toBe('expired_token');
    expect(await t.ctx.deviceRequests.decide(d.user_code, await createSession(t.ctx.store, 'x'), true)).toBe(
      false,
    );
  });

  it('limits user-code guesses per address on the verification page (a right code does not count)', async () => {
    const remoteAddress = '203.0.113.50';
    const get = (code: string) =>
      t.app.inject({ method: 'GET', url: `/api/oauth/device?user_code=${code}`, remoteAddress });
    const d = await start();
    for (let i = 0; i < 10; i++) {
      expect((await get(`BBBB-BBB${'BCDFGHJKLM'[i]}`)).statusCode).toBe(400);
      // Right codes in between are given back: only the 10 wrong ones count.
      if (i < 9) expect((await get(d.user_code)).body).toContain('Living-room TV');
    }
    const locked = await get(d.user_code);
    expect(locked.statusCode).toBe(429);
    expect(locked.body).not.toContain('Living-room TV');
    // Nor does a form post whose error page shows the code (here a forged CSRF token) name it.
    const posted = await t.app.inject({
      method: 'POST',
      url: '/api/oauth/device',
      remoteAddress,
      headers: FORM,
      payload: new URLSearchParams({ user_code: d.user_code, csrf_token: 'forged' }).toString(),
    });
    expect(posted.statusCode).toBe(403);
    expect(posted.body).not.toContain('Living-room TV');
    // Another address is not affected.
    const other = await t.app.inject({ method: 'GET', url: `/api/oauth/device?user_code=${d.user_code}` });
    expect(other.body).toContain('Living-room TV');
  });

  it('answers invalid_request for a repeated scope at the device authorization endpoint', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/oauth/device_authorization',
      headers: FORM,
      payload: 'client_id=tv&scope=openid&scope=offline_access',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('invalid_request');
  });

  it('takes only form bodies at the device authorization endpoint (RFC 8628 §3.1)', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/oauth/device_authorization',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ client_id: 'tv', scope: 'openid' }),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('invalid_request');
  });

  it('refuses clients without the device grant', async () => {
    const res = await post('/api/oauth/device_authorization', {
      client_id: 'svc-post',
      client_secret: 'post-secret',
    });
    expect(res.json().error).toBe('unauthorized_client');
  });
});
