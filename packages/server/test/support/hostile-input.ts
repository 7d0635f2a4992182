/**
 * The table-driven runner of the hostile-input suite (test/hostile-input/): one server with a client of every
 * kind, a table of malformed requests per endpoint family, and for each the spec-shaped refusal it must get.
 * Every case also checks what holds for any response: no 5xx, no `<script` (the pages have none of their own,
 * so one in a body is reflected input), no header injected through CR/LF, and no hostile input echoed raw.
 */

import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENTS, type TestApp, testApp } from './app.js';
import { FIRST_PARTY, ISSUER, NATIVE, USERS, WEB } from './authorize.js';
import { authorizeUrl, Browser, FORM, hiddenFields, webAppOpenidParams } from './form-login.js';
import { basic } from './http.js';

export { basic, FORM };
export const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** The token endpoint, and a client_credentials request's body. */
export const TOKEN = '/api/oauth/token';
export const CC = { grant_type: 'client_credentials' };
/** The Basic credentials of the fixture clients `svc-basic` (support/app.ts) and `web-app` (support/form-login.ts). */
export const SVC_BASIC = basic('svc-basic', 'basic-secret');
export const WEB_BASIC = basic('web-app', 'web-secret');
/** Reflected-XSS probe: it must never come back unescaped. */
export const XSS = '<script>alert(1)</script>';
/** Header-injection probe: a header named x-injected must never appear. */
export const CRLF = 'x\r\nx-injected: 1';
/** Just over the 64 KiB body limit (web/app.ts `bodyLimit`). */
export const OVER_BODY_LIMIT = 64 * 1024 + 1;

/** The hostile-input server: the tests' clients, a private_key_jwt client `pkj` and a public device client `tv`. */
export interface HostileContext {
  t: TestApp;
  /** The private key of `pkj` (kid `k1`, ES256). */
  pkjKey: CryptoKey;
  /** A client credentials access token of `svc-basic` (scope `read`): no user, no `openid`. */
  serviceToken: string;
  /** A browser that has loaded the login page: its CSRF cookie and the page's hidden fields. */
  browser: Browser;
  loginFields: Record<string, string>;
  /** A pending device authorization of `tv`: its user code as displayed and its device code. */
  userCode: string;
  deviceCode: string;
}

export type Request = InjectOptions & { method: NonNullable<InjectOptions['method']>; url: string };
export type Check = (res: LightMyRequestResponse, ctx: HostileContext) => void;

export interface HostileCase {
  name: string;
  request: Request | ((ctx: HostileContext) => Request | Promise<Request>);
  /** Send the context browser's cookies (CSRF binding) with the request. */
  withBrowserCookies?: boolean;
  expect: Check;
}

async function pkjKeyPair(): Promise<{ privateKey: CryptoKey; jwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' } };
}

async function openContext(): Promise<HostileContext> {
  const { privateKey, jwk } = await pkjKeyPair();
  const t = await testApp({
    oauth: { issuer: ISSUER },
    clients: [
      ...CLIENTS,
      WEB,
      NATIVE,
      FIRST_PARTY,
      {
        client_id: 'pkj',
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [jwk] },
        grant_types: ['client_credentials'],
        scopes: ['read'],
      },
      { client_id: 'tv', token_endpoint_auth_method: 'none', grant_types: [DEVICE_GRANT, 'refresh_token'] },
    ],
    users: USERS,
    // The suite sends hundreds of requests from one address.
    rate_limit: { enabled: false },
  });
  const form = (url: string, body: Record<string, string>, auth?: string) =>
    t.app.inject({
      method: 'POST',
      url,
      headers: { ...FORM, ...(auth ? { authorization: auth } : {}) },
      payload: new URLSearchParams(body).toString(),
    });
  const cc = await form(
    '/api/oauth/token',
    { grant_type: 'client_credentials', scope: 'read' },
    basic('svc-basic', 'basic-secret'),
  );
  const device = await form('/api/oauth/device_authorization', { client_id: 'tv', scope: 'openid' });
  const browser = new Browser(t);
  const page = await browser.request('GET', authorizeUrl(webAppOpenidParams({ state: 'st' })));
  if (cc.statusCode !== 200 || device.statusCode !== 200 || page.statusCode !== 200) {
    throw new Error(`hostile-input setup failed: ${cc.statusCode} ${device.statusCode} ${page.statusCode}`);
  }
  return {
    t,
    pkjKey: privateKey,
    serviceToken: cc.json().access_token,
    browser,
    loginFields: hiddenFields(page.body),
    userCode: device.json().user_code,
    deviceCode: device.json().device_code,
  };
}

/** A client assertion of `pkj` (RFC 7523 §3) with `claims` changed; `alg: 'none'` gives an unsigned one. */
export async function assertion(
  ctx: HostileContext,
  claims: Record<string, unknown> = {},
  alg = 'ES256',
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const body = {
    iss: 'pkj',
    sub: 'pkj',
    aud: `${ISSUER}/api/oauth/token`,
    jti: crypto.randomUUID(),
    iat: now,
    exp: now + 60,
    ...claims,
  };
  if (alg === 'none') {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(body)}.`;
  }
  return new SignJWT(body).setProtectedHeader({ alg, kid: 'k1' }).sign(ctx.pkjKey);
}

/** A family's table and the function that adds a case to it. */
export function caseTable() {
  const cases: HostileCase[] = [];
  const add = (name: string, request: HostileCase['request'], expect: Check, withBrowserCookies = false) => {
    cases.push({ name, request, expect, withBrowserCookies });
  };
  return { cases, add };
}

/** Checks that hold for every response, whatever the case. */
function invariants(res: LightMyRequestResponse): void {
  expect(res.statusCode, 'never a server error').toBeLessThan(500);
  if (/<script/i.test(res.body)) {
    // Only a JSON error_description may quote a request's value (RFC 6749 §5.2 allows `<` and `>`), and it is
    // only inert when no browser can sniff it into HTML.
    expect(res.headers['content-type'], 'reflected <script> only in JSON').toMatch(/^application\/json/);
    expect(res.headers['x-content-type-options'], 'reflected <script> only with nosniff').toBe('nosniff');
  }
  expect(res.headers['x-injected'], 'no header injected through CR/LF').toBeUndefined();
  for (const [name, value] of Object.entries(res.headers)) {
    for (const v of Array.isArray(value) ? value : [String(value)]) {
      expect(v, `header ${name} has no CR/LF`).not.toMatch(/[\r\n]/);
    }
  }
  if (/^application\/json/.test(String(res.headers['content-type'] ?? '')) && res.body !== '') {
    const description = res.json().error_description;
    // RFC 6749 §5.2: error_description is %x20-21 / %x23-5B / %x5D-7E only.
    if (description !== undefined) expect(description).toMatch(/^[\x20-\x21\x23-\x5B\x5D-\x7E]*$/);
  }
}

/**
 * Runs `cases` against one hostile-input server. Each is its own test, named by its family and its name;
 * `cases.length` is in the describe title (the count test adds up every family).
 */
export function runHostileCases(family: string, cases: readonly HostileCase[]): void {
  describe(`hostile input: ${family} (${cases.length} cases)`, () => {
    let ctx: HostileContext;
    beforeAll(async () => {
      ctx = await openContext();
    });
    afterAll(async () => ctx?.t.close());

    it('has distinct case names', () => {
      expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    });

    cases.forEach((c, i) => {
      it(c.name, async () => {
        const request = typeof c.request === 'function' ? await c.request(ctx) : c.request;
        const headers = { ...(request.headers ?? {}) } as Record<string, string>;
        if (c.withBrowserCookies) headers['cookie'] = ctx.browser.header;
        // An address of its own per case: the per-address guards (user-code guesses, login failures) count
        // each case alone, as they would a single client.
        const remoteAddress = `10.0.${i >> 8}.${i & 255}`;
        const res = await ctx.t.app.inject({ remoteAddress, ...request, headers });
        invariants(res);
        c.expect(res, ctx);
      });
    });
  });
}

/* ---- Expected refusals ---- */

/** RFC 6749 §5.2 JSON error: status, code, no-store; for 401 a Basic challenge exactly when `basicChallenge`. */
export const oauthError =
  (status: number, error: string, opts: { basicChallenge?: boolean } = {}): Check =>
  (res) => {
    expect({ status: res.statusCode, error: res.json().error }).toEqual({ status, error });
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-store');
    if (opts.basicChallenge) expect(res.headers['www-authenticate']).toMatch(/^Basic realm="gatehouse"/);
    else expect(res.headers['www-authenticate']).toBeUndefined();
  };

/** RFC 6749 §5.2 invalid_client through the Authorization header: 401 with `WWW-Authenticate: Basic`. */
export const basicRejected = oauthError(401, 'invalid_client', { basicChallenge: true });
/** invalid_client without an Authorization header (body credentials, assertion): 401, no challenge. */
export const clientRejected = oauthError(401, 'invalid_client');
export const invalidRequest = oauthError(400, 'invalid_request');
export const invalidGrant = oauthError(400, 'invalid_grant');
export const invalidScope = oauthError(400, 'invalid_scope');
export const invalidTarget = oauthError(400, 'invalid_target');

/** RFC 9110 §15.5.6: 405 with the path's methods in `Allow`. */
export const methodNotAllowed =
  (allow: string): Check =>
  (res) => {
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe(allow);
  };

/** RFC 9110 §15.5.14: a body over the limit is 413, in the §5.2 shape. */
export const tooLarge: Check = (res) => {
  expect(res.statusCode).toBe(413);
  expect(res.json().error).toBe('invalid_request');
  expect(res.headers['cache-control']).toBe('no-store');
};

/** 404 for a path no route has; nothing of the request's path in the answer. */
export const notFound: Check = (res) => {
  expect(res.statusCode).toBe(404);
  expect(res.body).not.toContain('script');
};

/** A server-rendered page (error or form): `status`, HTML, no redirect, no-store, the page CSP. */
export const page =
  (status: number, contains?: string): Check =>
  (res) => {
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers.location).toBeUndefined();
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-security-policy']).toMatch(/default-src 'none'/);
    if (contains !== undefined) expect(res.body).toContain(contains);
  };

/**
 * RFC 6749 §4.1.2.1 + RFC 9207: a redirect to the registered URI with `error`, the request's `state` as sent
 * (absent when it sent none) and `iss`; no-store. 302, or 303 after a POST.
 */
export const errorRedirect =
  (error: string, state?: string, opts: { status?: 302 | 303; redirectUri?: string } = {}): Check =>
  (res) => {
    const { status = 302, redirectUri = 'https://app.example.com/cb' } = opts;
    expect(res.statusCode).toBe(status);
    expect(res.headers['cache-control']).toBe('no-store');
    const location = new URL(String(res.headers.location));
    expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
    expect(location.searchParams.get('error')).toBe(error);
    expect(location.searchParams.get('state')).toBe(state ?? null);
    expect(location.searchParams.get('iss')).toBe(ISSUER);
    expect(location.searchParams.get('code')).toBeNull();
  };

/** RFC 6750 §3.1: `status`, a Bearer challenge with `error` (none when the request had no token), no-store. */
export const bearerError =
  (status: number, error?: string): Check =>
  (res) => {
    expect(res.statusCode).toBe(status);
    expect(res.headers['cache-control']).toBe('no-store');
    const challenge = String(res.headers['www-authenticate']);
    expect(challenge).toMatch(/^Bearer realm="gatehouse"/);
    if (error === undefined) expect(challenge).not.toContain('error=');
    else {
      expect(challenge).toContain(`error="${error}"`);
      expect(res.json().error).toBe(error);
    }
  };

/* ---- Request builders ---- */

/** A form POST to `url`: `body` a string sent as is, or parameters (arrays repeat a name). */
export function formPost(
  url: string,
  body: string | Record<string, string | string[]>,
  headers: Record<string, string | string[]> = {},
): Request {
  const payload =
    typeof body === 'string'
      ? body
      : new URLSearchParams(
          Object.entries(body).flatMap(([k, v]) =>
            (Array.isArray(v) ? v : [v]).map((x): [string, string] => [k, x]),
          ),
        ).toString();
  return { method: 'POST', url, headers: { ...FORM, ...headers } as Record<string, string>, payload };
}

/** `value` repeated until the string is `length` characters. */
export const huge = (length: number, value = 'a') =>
  value.repeat(Math.ceil(length / value.length)).slice(0, length);
