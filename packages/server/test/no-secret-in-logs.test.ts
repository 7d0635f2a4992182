import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gatehouse, openGatehouse } from '../src/app/gatehouse.js';
import { buildApp } from '../src/app/server.js';
import { testConfig } from './support/app.js';
import { Browser, FORM, hiddenFields, pkce, signInThroughForms } from './support/form-login.js';
import { basic } from './support/http.js';

const ISSUER = 'https://id.example.com';
const ALICE = { username: 'alice', password: 'alice-password-never-logged' };
const WEB = {
  client_id: 'web-app',
  client_secret: 'web-secret-never-logged-0123456789',
  grant_types: ['authorization_code', 'refresh_token'],
  redirect_uris: ['https://app.example.com/cb'],
};

describe('server logs', () => {
  const lines: string[] = [];
  let ctx: Gatehouse;
  let app: Awaited<ReturnType<typeof buildApp>>;

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    const config = testConfig({
      log_level: 'trace',
      oauth: { issuer: ISSUER },
      clients: [
        { client_id: 'svc', client_secret: 'svc-secret-never-logged-0123456789', scopes: ['read'] },
        {
          client_id: 'svc-post',
          client_secret: 'post-secret-never-logged-012345678',
          token_endpoint_auth_method: 'client_secret_post',
        },
        WEB,
      ],
      users: [{ ...ALICE, email: 'alice@example.com' }],
    });
    ctx = await openGatehouse(config, { logger: pino({ level: 'trace' }, sink) });
    app = await buildApp(ctx, { logger: true });
  });
  afterAll(async () => {
    await app.close();
    await ctx.close();
  });

  const post = (url: string, form: Record<string, string>, authorization?: string) =>
    app.inject({
      method: 'POST',
      url,
      headers: { ...FORM, ...(authorization ? { authorization } : {}) },
      payload: new URLSearchParams(form).toString(),
    });

  it('are JSON lines with a request id and contain no secret, password, code or token after a full flow', async () => {
    const secrets: string[] = [
      'svc-secret-never-logged-0123456789',
      'post-secret-never-logged-012345678',
      'wrong-secret-never-logged',
      WEB.client_secret,
      ALICE.password,
      'wrong-password-never-logged',
    ];
    const cc = await post(
      '/api/oauth/token',
      { grant_type: 'client_credentials' },
      basic('svc', secrets[0]!),
    );
    secrets.push(cc.json().access_token);
    await post('/api/oauth/token', {
      grant_type: 'client_credentials',
      client_id: 'svc-post',
      client_secret: secrets[1]!,
    });
    expect(
      (await post('/api/oauth/token', { grant_type: 'client_credentials' }, basic('svc', secrets[2]!)))
        .statusCode,
    ).toBe(401);

    const b = new Browser({ app });
    const { challenge, verifier } = pkce();
    const params = {
      response_type: 'code',
      client_id: 'web-app',
      redirect_uri: WEB.redirect_uris[0]!,
      scope: 'openid profile offline_access',
      state: 'state-1',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    };
    const wrong = await signInThroughForms(b, params, 'alice', 'wrong-password-never-logged');
    expect(wrong.statusCode).toBe(401);
    secrets.push(hiddenFields(wrong.body)['csrf_token']!);
    const signedIn = await signInThroughForms(b, params, ALICE.username, ALICE.password);
    const code = new URL(signedIn.headers.location as string).searchParams.get('code')!;
    secrets.push(code, verifier, ...b.cookies.values());
    const webAuth = basic('web-app', WEB.client_secret);
    const redeem = () =>
      post(
        '/api/oauth/token',
        {
          grant_type: 'authorization_code',
          code,
          redirect_uri: WEB.redirect_uris[0]!,
          code_verifier: verifier,
        },
        webAuth,
      );
    const tokens = (await redeem()).json();
    const refreshed = (
      await post(
        '/api/oauth/token',
        { grant_type: 'refresh_token', refresh_token: tokens.refresh_token },
        webAuth,
      )
    ).json();
    secrets.push(tokens.access_token, tokens.id_token, tokens.refresh_token);
    secrets.push(refreshed.access_token, refreshed.id_token, refreshed.refresh_token);
    // A replayed code and a reused refresh token are logged as errors, without the values.
    expect((await redeem()).statusCode).toBe(400);
    await post(
      '/api/oauth/token',
      { grant_type: 'refresh_token', refresh_token: tokens.refresh_token },
      webAuth,
    );
    await app.inject({
      method: 'GET',
      url: '/api/oauth/userinfo',
      headers: { authorization: `Bearer ${refreshed.access_token}` },
    });
    await post('/api/oauth/introspect', { token: refreshed.access_token }, webAuth);
    await post('/api/oauth/revoke', { token: refreshed.refresh_token }, webAuth);
    // Tokens in query strings (id_token_hint, a mistaken ?access_token=) must not reach the logs either.
    await app.inject({
      method: 'GET',
      url: `/api/oauth/logout?id_token_hint=${refreshed.id_token}&state=s`,
      headers: { cookie: b.header },
    });
    await app.inject({ method: 'GET', url: `/api/oauth/userinfo?access_token=${tokens.access_token}` });

    expect(lines.length).toBeGreaterThan(20);
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const requestLogs = records.filter((r) => r['req'] !== undefined || r['res'] !== undefined);
    expect(requestLogs.length).toBeGreaterThan(10);
    for (const r of requestLogs) expect(typeof r['reqId']).toBe('string');
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(8);
      const leaking = lines.filter((l) => l.includes(secret));
      expect(leaking, `a log line contains a secret (${secret.slice(0, 4)}…)`).toEqual([]);
    }
  });
});
