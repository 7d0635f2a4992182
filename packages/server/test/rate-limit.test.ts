import { afterEach, describe, expect, it } from 'vitest';
import { RATE_LIMIT_DEFAULTS } from '../src/config/index.js';
import { testApp, testConfig } from './support/app.js';
import { basic } from './support/http.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const GRANT = 'grant_type=client_credentials';
const BASIC = basic('svc-basic', 'basic-secret');

type App = Awaited<ReturnType<typeof testApp>>;
let open: App[] = [];
afterEach(async () => {
  for (const t of open) await t.close();
  open = [];
});

async function appWith(rateLimit: Record<string, unknown>): Promise<App> {
  const t = await testApp({ rate_limit: rateLimit });
  open.push(t);
  return t;
}

const post = (t: App, payload: string, opts: { ip?: string; authorization?: string; url?: string } = {}) =>
  t.app.inject({
    method: 'POST',
    url: opts.url ?? '/api/oauth/token',
    remoteAddress: opts.ip ?? '10.1.0.1',
    headers: { ...FORM, ...(opts.authorization ? { authorization: opts.authorization } : {}) },
    payload,
  });

function expectRateLimited(res: Awaited<ReturnType<typeof post>>): void {
  expect(res.statusCode).toBe(429);
  const retryAfter = Number(res.headers['retry-after']);
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = res.json();
  expect(body.error).toBe('temporarily_unavailable');
  expect(typeof body.error_description).toBe('string');
  expect(Object.keys(body).sort()).toEqual(['error', 'error_description']);
}

describe('rate limit per IP on the back-channel endpoints', () => {
  it('answers 429 with Retry-After, no-store and an RFC 6749 §5.2 body once an IP is over its limit', async () => {
    const t = await appWith({ per_ip_per_minute: 3, per_client_per_minute: 1000 });
    for (let i = 0; i < 3; i++) {
      expect((await post(t, GRANT, { authorization: BASIC })).statusCode).toBe(200);
    }
    const res = await post(t, GRANT, { authorization: BASIC });
    expectRateLimited(res);
    expect(res.json().error_description).toMatch(/address/);
    // The secret is never echoed back.
    expect(res.body).not.toContain('basic-secret');
    // Another address is not affected.
    expect((await post(t, GRANT, { authorization: BASIC, ip: '10.1.0.2' })).statusCode).toBe(200);
  });

  it('counts failed and unauthenticated requests, and shares one budget across token, introspect and revoke', async () => {
    const t = await appWith({ per_ip_per_minute: 3, per_client_per_minute: 1000 });
    expect((await post(t, GRANT)).statusCode).toBe(401);
    expect(
      (await post(t, 'token=x', { url: '/api/oauth/introspect', authorization: BASIC })).statusCode,
    ).toBe(200);
    expect((await post(t, 'token=x', { url: '/api/oauth/revoke', authorization: BASIC })).statusCode).toBe(
      200,
    );
    expectRateLimited(await post(t, 'token=x', { url: '/api/oauth/introspect', authorization: BASIC }));
    expectRateLimited(await post(t, 'token=x', { url: '/api/oauth/revoke', authorization: BASIC }));
    expectRateLimited(await post(t, GRANT, { authorization: BASIC }));
  });

  it('limits the device authorization endpoint too, so it is no unthrottled oracle for client secrets', async () => {
    const t = await appWith({ per_ip_per_minute: 3, per_client_per_minute: 1000 });
    const wrong = basic('svc-basic', 'a-guess');
    for (let i = 0; i < 3; i++) {
      expect(
        (await post(t, 'scope=read', { url: '/api/oauth/device_authorization', authorization: wrong }))
          .statusCode,
      ).toBe(401);
    }
    expectRateLimited(
      await post(t, 'scope=read', { url: '/api/oauth/device_authorization', authorization: wrong }),
    );
    // One budget with the token endpoint.
    expectRateLimited(await post(t, GRANT, { authorization: BASIC }));
  });

  it('treats IPv6 addresses of one /64 as one address', async () => {
    const t = await appWith({ per_ip_per_minute: 2, per_client_per_minute: 1000 });
    expect((await post(t, GRANT, { authorization: BASIC, ip: '2001:db8:1:2::1' })).statusCode).toBe(200);
    expect((await post(t, GRANT, { authorization: BASIC, ip: '2001:db8:1:2::2' })).statusCode).toBe(200);
    expectRateLimited(await post(t, GRANT, { authorization: BASIC, ip: '2001:db8:1:2:ffff::3' }));
    expect((await post(t, GRANT, { authorization: BASIC, ip: '2001:db8:1:3::1' })).statusCode).toBe(200);
  });

  it('is off with enabled: false', async () => {
    const t = await appWith({ enabled: false, per_ip_per_minute: 1, per_client_per_minute: 1 });
    for (let i = 0; i < 4; i++) {
      expect((await post(t, GRANT, { authorization: BASIC })).statusCode).toBe(200);
    }
  });
});

describe('rate limit per client', () => {
  it('limits one authenticated client independently of its IP and of other clients', async () => {
    const t = await appWith({ per_ip_per_minute: 1000, per_client_per_minute: 2 });
    // Same client from two addresses: one budget.
    expect((await post(t, GRANT, { authorization: BASIC, ip: '10.2.0.1' })).statusCode).toBe(200);
    expect((await post(t, GRANT, { authorization: BASIC, ip: '10.2.0.2' })).statusCode).toBe(200);
    const res = await post(t, GRANT, { authorization: BASIC, ip: '10.2.0.3' });
    expectRateLimited(res);
    expect(res.json().error_description).toMatch(/client/);
    // introspection by the same client shares the client's budget
    expectRateLimited(await post(t, 'token=x', { url: '/api/oauth/introspect', authorization: BASIC }));
    // Another client from the same address as the limited one still gets tokens.
    const other = `${GRANT}&client_id=svc-post&client_secret=post-secret`;
    expect((await post(t, other, { ip: '10.2.0.1' })).statusCode).toBe(200);
    expect((await post(t, other, { ip: '10.2.0.1' })).statusCode).toBe(200);
    expectRateLimited(await post(t, other, { ip: '10.2.0.1' }));
  });

  it('cannot be exhausted by someone sending the victim client_id without its secret', async () => {
    const t = await appWith({ per_ip_per_minute: 1000, per_client_per_minute: 2 });
    for (let i = 0; i < 10; i++) {
      const viaBasic = await post(t, GRANT, {
        authorization: basic('svc-basic', `guess-${i}`),
        ip: '10.66.0.1',
      });
      expect(viaBasic.statusCode).toBe(401);
      const viaBody = await post(t, `${GRANT}&client_id=svc-basic&client_secret=guess-${i}`, {
        ip: '10.66.0.2',
      });
      expect(viaBody.statusCode).toBe(401);
    }
    // The real client still has its whole budget (2), then is limited like anyone else.
    expect((await post(t, GRANT, { authorization: BASIC, ip: '10.3.0.1' })).statusCode).toBe(200);
    expect((await post(t, GRANT, { authorization: BASIC, ip: '10.3.0.1' })).statusCode).toBe(200);
    expectRateLimited(await post(t, GRANT, { authorization: BASIC, ip: '10.3.0.1' }));
  });
});

describe('rate limit metrics', () => {
  it('counts refused requests per limit and as temporarily_unavailable OAuth errors', async () => {
    const t = await appWith({ per_ip_per_minute: 1, per_client_per_minute: 1000 });
    await post(t, GRANT, { authorization: BASIC });
    expect((await post(t, GRANT, { authorization: BASIC })).statusCode).toBe(429);
    expect(
      (await post(t, 'token=x', { url: '/api/oauth/introspect', authorization: BASIC })).statusCode,
    ).toBe(429);
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('gatehouse_rate_limited_total{route="/api/oauth/token",limit="ip"} 1');
    expect(metrics).toContain('gatehouse_rate_limited_total{route="/api/oauth/introspect",limit="ip"} 1');
    expect(metrics).toContain('gatehouse_oauth_errors_total{error="temporarily_unavailable",status="429"} 2');
    expect(metrics).toMatch(
      /gatehouse_http_requests_total\{method="POST",route="\/api\/oauth\/token",status="429"\} 1/,
    );
  });
});

describe('rate_limit configuration', () => {
  it('has defaults high enough for normal use', () => {
    const c = testConfig();
    expect(c.rate_limit).toEqual(RATE_LIMIT_DEFAULTS);
    expect(c.rate_limit.enabled).toBe(true);
  });

  it('reads both environment spellings, the namespaced one winning', () => {
    const c = testConfig(
      {},
      {
        RATE_LIMIT__ENABLED: 'false',
        RATE_LIMIT_PER_IP_PER_MINUTE: '77',
        RATE_LIMIT__PER_CLIENT_PER_MINUTE: '88',
        RATE_LIMIT_PER_CLIENT_PER_MINUTE: '99',
      },
    );
    expect(c.rate_limit).toEqual({ enabled: false, per_ip_per_minute: 77, per_client_per_minute: 88 });
    expect(testConfig({}, { RATE_LIMIT_ENABLED: 'true' }).rate_limit.enabled).toBe(true);
  });

  it('rejects non-positive limits and non-boolean enabled with the key named', () => {
    expect(() => testConfig({ rate_limit: { per_ip_per_minute: 0 } })).toThrow(
      /rate_limit\.per_ip_per_minute/,
    );
    expect(() => testConfig({}, { RATE_LIMIT__ENABLED: 'maybe' })).toThrow(/rate_limit\.enabled/);
  });
});
