import type { FastifyInstance } from 'fastify';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missing, testRedisUrl } from '../../../test-support/services.js';
import { openGatehouse } from '../src/app/gatehouse.js';
import { buildApp } from '../src/app/server.js';
import { sha256Key } from '../src/service/crypto/hash.js';
import { CLIENTS, testConfig } from './support/app.js';
import {
  Browser,
  FORM,
  hiddenFields,
  pkce,
  redeemWebAppCode,
  signInThroughForms,
  WEB_APP,
  webAppAuthorizeParams,
} from './support/form-login.js';
import { createFreshSchema, type FreshSchema } from './support/fresh-schema.js';
import { basic } from './support/http.js';

/**
 * Revoking a user grant — refresh token reuse (OAuth 2.1 §4.3.1, RFC 9700 §4.14.2), revocation of a
 * refresh token (RFC 7009 §2.1), replay of an authorization code (RFC 6749 §4.1.2, RFC 9700 §4.2.4) —
 * makes every access token of the grant inactive, however many rotations ago it was issued, and only
 * those. Run on one in-process node, and on two nodes sharing PostgreSQL and Redis (tokens obtained
 * from the first node, checked on the second).
 */

const ISSUER = 'https://id.example.com';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const WEB = {
  ...WEB_APP,
  grant_types: ['authorization_code', 'refresh_token'],
};
const TV = {
  client_id: 'tv',
  token_endpoint_auth_method: 'none',
  grant_types: [DEVICE_GRANT, 'refresh_token'],
};
const ALICE = { username: 'alice', password: 'correct horse battery', email: 'alice@example.com' };
const overrides = { oauth: { issuer: ISSUER }, clients: [...CLIENTS, WEB, TV], users: [ALICE] };

/** `issuer` serves the token endpoint and the sign-in pages; `checker` introspection and userinfo. */
interface Nodes {
  issuer: FastifyInstance;
  checker: FastifyInstance;
  close(): Promise<void>;
}

async function oneInProcessNode(): Promise<Nodes> {
  const ctx = await openGatehouse(testConfig(overrides));
  const app = await buildApp(ctx);
  return {
    issuer: app,
    checker: app,
    async close() {
      await app.close();
      await ctx.close();
    },
  };
}

async function twoNodesOnPostgresAndRedis(): Promise<Nodes> {
  const schema: FreshSchema = await createFreshSchema();
  const config = () =>
    testConfig({ ...overrides, database: { url: schema.url }, redis: { url: testRedisUrl } });
  const a = await openGatehouse(config());
  const b = await openGatehouse(config());
  const [issuer, checker] = [await buildApp(a), await buildApp(b)];
  return {
    issuer,
    checker,
    async close() {
      await issuer.close();
      await checker.close();
      await a.close();
      await b.close();
      await schema.drop();
    },
  };
}

type TokenSet = { access_token: string; refresh_token?: string };

describe.each([
  { where: 'on one node with the in-process store', open: oneInProcessNode, skip: false },
  {
    where: 'on two nodes sharing PostgreSQL and Redis',
    open: twoNodesOnPostgresAndRedis,
    skip: missing('postgres') || missing('redis'),
  },
])('revoking a grant $where', ({ open, skip }) => {
  let nodes: Nodes;
  beforeAll(async () => {
    if (!skip) nodes = await open();
  });
  afterAll(async () => {
    if (!skip) await nodes.close();
  });

  const post = (app: FastifyInstance, url: string, form: Record<string, string>, auth?: string) =>
    app.inject({
      method: 'POST',
      url,
      headers: { ...FORM, ...(auth ? { authorization: auth } : {}) },
      payload: new URLSearchParams(form).toString(),
    });
  const webApp = basic('web-app', 'web-secret');
  const token = (form: Record<string, string>) => post(nodes.issuer, '/api/oauth/token', form, webApp);

  const active = async (accessToken: string): Promise<boolean> => {
    const res = await post(nodes.checker, '/api/oauth/introspect', { token: accessToken }, webApp);
    expect(res.statusCode).toBe(200);
    return res.json().active as boolean;
  };
  const userinfoStatus = async (accessToken: string): Promise<number> =>
    (
      await nodes.checker.inject({
        method: 'GET',
        url: '/api/oauth/userinfo',
        headers: { authorization: `Bearer ${accessToken}` },
      })
    ).statusCode;

  /** Alice signs in and consents through the pages; the code and its PKCE verifier for `web-app`. */
  async function signIn(): Promise<{ code: string; verifier: string }> {
    const { challenge, verifier } = pkce();
    const res = await signInThroughForms(
      new Browser({ app: nodes.issuer }),
      webAppAuthorizeParams(challenge, { scope: 'openid offline_access' }),
      ALICE.username,
      ALICE.password,
    );
    return { code: new URL(res.headers.location as string).searchParams.get('code')!, verifier };
  }

  const redeem = async (c: { code: string; verifier: string }) =>
    token({
      grant_type: 'authorization_code',
      code: c.code,
      redirect_uri: 'https://app.example.com/cb',
      code_verifier: c.verifier,
    });

  /** A new grant: the tokens a fresh code was exchanged for. */
  async function grant(): Promise<TokenSet> {
    const res = await redeem(await signIn());
    expect(res.statusCode).toBe(200);
    return res.json();
  }

  async function refreshed(t: TokenSet): Promise<TokenSet> {
    const res = await token({ grant_type: 'refresh_token', refresh_token: t.refresh_token! });
    expect(res.statusCode).toBe(200);
    return res.json();
  }

  /** The grant's tokens after `n` rotations, oldest first (the first one is what the code gave). */
  async function rotations(n: number): Promise<TokenSet[]> {
    const family = [await grant()];
    for (let i = 0; i < n; i++) family.push(await refreshed(family.at(-1)!));
    return family;
  }

  it.skipIf(skip)(
    'refresh reuse revokes every access token of the family, even after more than 20 rotations',
    async () => {
      const other = await grant();
      const family = await rotations(22);
      for (const t of family) expect(await active(t.access_token)).toBe(true);
      // The refresh token rotated last-but-one: its grant's first access token is 22 rotations old.
      const reuse = await token({
        grant_type: 'refresh_token',
        refresh_token: family.at(-2)!.refresh_token!,
      });
      expect(reuse.json().error).toBe('invalid_grant');
      for (const t of family) expect(await active(t.access_token)).toBe(false);
      const latest = await token({
        grant_type: 'refresh_token',
        refresh_token: family.at(-1)!.refresh_token!,
      });
      expect(latest.json().error).toBe('invalid_grant');
      // Another grant of the same user and client is not touched.
      expect(await active(other.access_token)).toBe(true);
      expect((await refreshed(other)).access_token).toBeTruthy();
    },
  );

  it.skipIf(skip)('code replay revokes the access tokens refreshed from that code', async () => {
    const other = await grant();
    const c = await signIn();
    const first: TokenSet = (await redeem(c)).json();
    const second = await refreshed(first);
    const third = await refreshed(second);
    expect(await active(third.access_token)).toBe(true);
    expect((await redeem(c)).json().error).toBe('invalid_grant');
    for (const t of [first, second, third]) expect(await active(t.access_token)).toBe(false);
    const refresh = await token({ grant_type: 'refresh_token', refresh_token: third.refresh_token! });
    expect(refresh.json().error).toBe('invalid_grant');
    expect(await active(other.access_token)).toBe(true);
  });

  it.skipIf(skip)(
    "revoking a refresh token makes the family's access tokens inactive at introspection and userinfo",
    async () => {
      const other = await grant();
      const family = await rotations(2);
      expect(await userinfoStatus(family[0]!.access_token)).toBe(200);
      const oldest = family[0]!.refresh_token!;
      // RFC 7009 §2.1: a rotated refresh token of the grant still names the grant.
      const revoke = await post(nodes.issuer, '/api/oauth/revoke', { token: oldest }, webApp);
      expect(revoke.statusCode).toBe(200);
      for (const t of family) {
        expect(await active(t.access_token)).toBe(false);
        expect(await userinfoStatus(t.access_token)).toBe(401);
      }
      expect(await active(other.access_token)).toBe(true);
      expect(await userinfoStatus(other.access_token)).toBe(200);
    },
  );

  it.skipIf(skip)(
    'introspects a refresh token for its own client only, active while it can still be redeemed',
    async () => {
      const introspect = async (t: string, auth = webApp) => {
        const res = await post(nodes.checker, '/api/oauth/introspect', { token: t }, auth);
        expect(res.statusCode).toBe(200);
        return res.json() as Record<string, unknown>;
      };
      const [first, second] = await rotations(1);
      const now = Math.floor(Date.now() / 1000);
      const answer = await introspect(second!.refresh_token!);
      expect(answer).toEqual({
        active: true,
        scope: 'openid offline_access',
        client_id: 'web-app',
        sub: decodeJwt(second!.access_token).sub,
        iss: ISSUER,
        exp: expect.any(Number),
      });
      // The family's absolute expiry: the configured refresh lifetime from the sign-in (30 days by default).
      expect(answer['exp']).toBeGreaterThan(now + 29 * 86_400);
      // Rotated away: redeeming it now would revoke the grant, so it is not active.
      expect(await introspect(first!.refresh_token!)).toEqual({ active: false });
      // Another client learns nothing about it, not even that it exists.
      expect(await introspect(second!.refresh_token!, basic('svc-basic', 'basic-secret'))).toEqual({
        active: false,
      });
      expect(await introspect('not-a-refresh-token')).toEqual({ active: false });
      // Revoked (RFC 7009): inactive from then on, on every node.
      await post(nodes.issuer, '/api/oauth/revoke', { token: second!.refresh_token! }, webApp);
      expect(await introspect(second!.refresh_token!)).toEqual({ active: false });
    },
  );

  it.skipIf(skip)(
    'a device grant is revoked as a whole too, and another client cannot revoke it',
    async () => {
      const started = await post(nodes.issuer, '/api/oauth/device_authorization', {
        client_id: 'tv',
        scope: 'openid offline_access',
      });
      const { device_code, user_code } = started.json();
      const b = new Browser({ app: nodes.issuer });
      const page = await b.request('GET', `/api/oauth/device?user_code=${user_code}`);
      const approved = await b.request('POST', '/api/oauth/device', {
        ...hiddenFields(page.body),
        user_code,
        username: ALICE.username,
        password: ALICE.password,
        consent: 'approve',
      });
      expect(approved.statusCode).toBe(200);
      const tv = (form: Record<string, string>) =>
        post(nodes.issuer, '/api/oauth/token', { client_id: 'tv', ...form });
      const first: TokenSet = (await tv({ grant_type: DEVICE_GRANT, device_code })).json();
      const second: TokenSet = (
        await tv({ grant_type: 'refresh_token', refresh_token: first.refresh_token! })
      ).json();
      await post(nodes.issuer, '/api/oauth/revoke', { token: first.refresh_token! }, webApp);
      expect(await active(first.access_token)).toBe(true);
      await post(nodes.issuer, '/api/oauth/revoke', { client_id: 'tv', token: second.refresh_token! });
      expect(await active(first.access_token)).toBe(false);
      expect(await active(second.access_token)).toBe(false);
    },
  );

  it.skipIf(skip)(
    'user access tokens name their grant with an opaque grant_id; client-credentials tokens have none',
    async () => {
      const c = await signIn();
      const first: TokenSet = (await redeem(c)).json();
      const family = [first, await refreshed(first)];
      const ids = family.map((t) => decodeJwt(t.access_token)['grant_id']);
      expect(typeof ids[0]).toBe('string');
      expect(ids[1]).toBe(ids[0]);
      expect(decodeJwt((await grant()).access_token)['grant_id']).not.toBe(ids[0]);
      // Nothing a client could use to find the code or its store key.
      expect(ids[0]).not.toContain(sha256Key(c.code));
      expect(ids[0]).not.toContain(c.code);
      const cc = await post(
        nodes.issuer,
        '/api/oauth/token',
        { grant_type: 'client_credentials' },
        basic('svc-basic', 'basic-secret'),
      );
      expect(decodeJwt(cc.json().access_token)).not.toHaveProperty('grant_id');
    },
  );
});

describe('the cost of the grant check at introspection', () => {
  it('reads the store once for a client-credentials token, and once (two keys) for a user token', async () => {
    const ctx = await openGatehouse(testConfig(overrides));
    const app = await buildApp(ctx);
    try {
      // Counts the store calls liveClaims makes (each one is a Redis round trip on a shared store).
      const calls: string[] = [];
      const { store } = ctx;
      const get = store.get.bind(store);
      store.get = (k) => {
        calls.push('get');
        return get(k);
      };
      store.getMany = (ks) => {
        calls.push(`getMany(${ks.length})`);
        return Promise.all(ks.map(get));
      };
      const cc = await app.inject({
        method: 'POST',
        url: '/api/oauth/token',
        headers: { ...FORM, authorization: basic('svc-basic', 'basic-secret') },
        payload: 'grant_type=client_credentials',
      });
      const introspect = async (accessToken: string) => {
        calls.length = 0;
        await ctx.accessTokens.liveClaims(accessToken);
        return [...calls];
      };
      expect(await introspect(cc.json().access_token)).toEqual(['get']);
      const { challenge, verifier } = pkce();
      const signedIn = await signInThroughForms(
        new Browser({ app }),
        {
          response_type: 'code',
          client_id: 'web-app',
          redirect_uri: 'https://app.example.com/cb',
          scope: 'openid',
          code_challenge: challenge,
          code_challenge_method: 'S256',
        },
        ALICE.username,
        ALICE.password,
      );
      const code = new URL(signedIn.headers.location as string).searchParams.get('code')!;
      const user = await redeemWebAppCode(app, code, verifier);
      expect(await introspect(user.json().access_token)).toEqual(['getMany(2)']);
    } finally {
      await app.close();
      await ctx.close();
    }
  });
});
