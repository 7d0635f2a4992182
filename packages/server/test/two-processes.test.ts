/**
 * Two real `gatehouse serve` processes behind one issuer, sharing PostgreSQL (a fresh schema per run),
 * Redis and the JWT secret, as in a load-balanced deployment: a code issued by one node is redeemed at the
 * other, single use holds across nodes (replay and a simultaneous race), a replay revokes the tokens on
 * both nodes, the login session is shared (SSO across nodes) and a refresh token from one node is rotated
 * on the other; a client-credentials token minted by one node is introspected and revoked through the
 * other, and a key rotated with the CLI is published by both. Runs the built CLI (support/cli.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpUserAgent } from '../../../examples/support/http-user-agent.js';
import { missing, testRedisUrl } from '../../../test-support/services.js';
import { SECRET, TEST_REDIS_KEY_PREFIX } from './support/app.js';
import { runCli, type Serving, startServe } from './support/cli.js';
import { createFreshSchema, type FreshSchema } from './support/fresh-schema.js';
import { basic } from './support/http.js';

/** The issuer both nodes announce (the load balancer's URL); neither listens on it. */
const ISSUER = 'http://gatehouse.test';
const REDIRECT_URI = 'https://app.example.test/callback';
const CLIENT = { id: 'two-node-web', secret: 'two-node-web-secret-0123456789abcd' };
const SERVICE = { id: 'two-node-svc', secret: 'two-node-svc-secret-0123456789abcd' };
// A username of its own: login failure counters live in the shared Redis.
const USER = { username: `two-node-${randomBytes(4).toString('hex')}`, password: 'two-node-password' };
const STARTUP_MS = 60_000;

type Node = Serving;
const startNode = (env: Record<string, string>) => startServe({ env, startupMs: STARTUP_MS });

const pkce = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

/** POST a form to a node as a confidential client (client_secret_basic; the web client by default). */
async function post(node: Node, path: string, form: Record<string, string>, client = CLIENT) {
  const res = await fetch(`${node.url}${path}`, {
    method: 'POST',
    headers: {
      authorization: basic(client.id, client.secret),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(form),
  });
  const text = await res.text(); // revocation answers 200 with an empty body
  return { status: res.status, body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown> };
}

const redeem = (node: Node, code: string, verifier: string) =>
  post(node, '/api/oauth/token', {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT_URI,
    code_verifier: verifier,
  });

const introspect = async (node: Node, token: string) =>
  (await post(node, '/api/oauth/introspect', { token })).body['active'];

describe.skipIf(missing('postgres') || missing('redis'))('two gatehouse processes, one issuer', () => {
  let schema: FreshSchema | undefined;
  let dir = '';
  const browser = new HttpUserAgent();
  let node1: Node | undefined;
  let node2: Node | undefined;
  const one = () => node1 as Node;
  const two = () => node2 as Node;
  const secrets: string[] = [CLIENT.secret, SERVICE.secret, USER.password, SECRET];
  let env: Record<string, string> = {};

  beforeAll(
    async () => {
      dir = mkdtempSync(join(tmpdir(), 'gh-two-nodes-'));
      schema = await createFreshSchema();
      const appConfig = join(dir, 'gatehouse.yaml');
      writeFileSync(
        appConfig,
        [
          'clients:',
          `  - client_id: ${CLIENT.id}`,
          `    client_secret: ${CLIENT.secret}`,
          '    grant_types: [authorization_code, refresh_token]',
          `    redirect_uris: ['${REDIRECT_URI}']`,
          `  - client_id: ${SERVICE.id}`,
          `    client_secret: ${SERVICE.secret}`,
          '    scopes: [reports.read]',
          'users:',
          `  - username: ${USER.username}`,
          `    password: ${USER.password}`,
          '    name: Two Nodes',
          '',
        ].join('\n'),
      );
      env = {
        APP_CONFIG: appConfig,
        DATA_DIR: dir,
        DATABASE_URL: schema.url,
        REDIS_URL: testRedisUrl ?? '',
        REDIS__KEY_PREFIX: TEST_REDIS_KEY_PREFIX,
        JWT_SECRET: SECRET,
        OAUTH__ISSUER: ISSUER,
        LOG_LEVEL: 'debug',
      };
      // One after the other, as a rolling start: the first node migrates the fresh schema.
      node1 = await startNode(env);
      node2 = await startNode(env);
    },
    2 * STARTUP_MS + 30_000,
  );

  afterAll(async () => {
    await node1?.stop();
    await node2?.stop();
    await schema?.drop();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  /** The browser signs in (or reuses its session) at `node`'s authorization endpoint; returns the code. */
  async function codeFrom(node: Node, challenge: string, scope = 'openid profile offline_access') {
    const state = randomBytes(16).toString('base64url');
    const authorize = new URL('/api/oauth/authorize', node.url);
    authorize.search = new URLSearchParams({
      response_type: 'code',
      client_id: CLIENT.id,
      redirect_uri: REDIRECT_URI,
      scope,
      state,
      nonce: randomBytes(16).toString('base64url'),
      code_challenge: challenge,
      code_challenge_method: 'S256',
    }).toString();
    const walk = await browser.walk(authorize, {
      credentials: USER,
      consent: 'approve',
      stopAt: (url) => url.href.startsWith(`${REDIRECT_URI}?`),
    });
    expect(walk.page.status, walk.page.body.slice(0, 300)).toBe(0);
    const callback = walk.page.url.searchParams;
    expect(callback.get('state')).toBe(state);
    expect(callback.get('iss')).toBe(ISSUER);
    const code = callback.get('code') ?? '';
    secrets.push(code);
    return { code, submitted: walk.submitted };
  }

  it('a code issued on node 1 is redeemed on node 2; a replay at node 1 is refused and revokes on both', async () => {
    const { verifier, challenge } = pkce();
    const { code, submitted } = await codeFrom(one(), challenge);
    expect(submitted).toEqual(['login', 'consent']);

    const tokens = await redeem(two(), code, verifier);
    expect(tokens.status).toBe(200);
    const accessToken = String(tokens.body['access_token']);
    secrets.push(accessToken, String(tokens.body['refresh_token']), String(tokens.body['id_token']));
    expect(tokens.body).toMatchObject({ token_type: 'Bearer', scope: 'openid profile offline_access' });
    expect(await introspect(one(), accessToken)).toBe(true);

    const replay = await redeem(one(), code, verifier);
    expect(replay).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    // RFC 6749 §4.1.2: tokens issued from a replayed code are revoked, on every node.
    expect(await introspect(one(), accessToken)).toBe(false);
    expect(await introspect(two(), accessToken)).toBe(false);
    const refresh = await post(one(), '/api/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: String(tokens.body['refresh_token']),
    });
    expect(refresh).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('the same code redeemed at both nodes at once: exactly one of them issues tokens', async () => {
    const { verifier, challenge } = pkce();
    const { code, submitted } = await codeFrom(two(), challenge);
    expect(submitted).toEqual([]); // the session from node 1 is in Redis: SSO across nodes
    const results = await Promise.all([redeem(one(), code, verifier), redeem(two(), code, verifier)]);
    for (const r of results) if (r.status === 200) secrets.push(String(r.body['access_token']));
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
    expect(results.find((r) => r.status === 400)?.body['error']).toBe('invalid_grant');
  });

  it('a refresh token issued by node 2 is rotated on node 1; the old one is then refused at node 2', async () => {
    const { verifier, challenge } = pkce();
    const { code } = await codeFrom(one(), challenge);
    const first = await redeem(two(), code, verifier);
    expect(first.status).toBe(200);
    const oldRefresh = String(first.body['refresh_token']);
    const rotated = await post(one(), '/api/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: oldRefresh,
    });
    expect(rotated.status).toBe(200);
    const newRefresh = String(rotated.body['refresh_token']);
    secrets.push(
      oldRefresh,
      newRefresh,
      String(rotated.body['access_token']),
      String(first.body['access_token']),
    );
    expect(newRefresh).not.toBe(oldRefresh);
    expect(await introspect(two(), String(rotated.body['access_token']))).toBe(true);

    const reused = await post(two(), '/api/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: oldRefresh,
    });
    expect(reused).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('a client-credentials token minted by node 1 is introspected and revoked through node 2', async () => {
    const minted = await post(one(), '/api/oauth/token', { grant_type: 'client_credentials' }, SERVICE);
    expect(minted.status).toBe(200);
    const token = String(minted.body['access_token']);
    secrets.push(token);
    const active = async (node: Node) =>
      (await post(node, '/api/oauth/introspect', { token }, SERVICE)).body['active'];
    expect(await active(two())).toBe(true);
    expect((await post(two(), '/api/oauth/revoke', { token }, SERVICE)).status).toBe(200);
    expect(await active(one())).toBe(false);
    expect(await active(two())).toBe(false);
  });

  it('a key rotated with the CLI is published by both nodes', async () => {
    const {
      code: exitCode,
      stdout,
      stderr,
    } = await runCli(['keys', 'rotate'], { ...env, LOG_LEVEL: 'silent' });
    expect(exitCode, stderr).toBe(0);
    const { kid } = JSON.parse(stdout) as { kid: string };
    const published = async (node: Node) => {
      const jwks = (await (await fetch(`${node.url}/api/oauth/jwks`)).json()) as { keys: { kid: string }[] };
      return jwks.keys.map((k) => k.kid).includes(kid);
    };
    // Each node re-reads its keys when its JWKS is more than 5 s old.
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && !((await published(one())) && (await published(two())))) {
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(await published(one())).toBe(true);
    expect(await published(two())).toBe(true);
  }, 60_000);

  it('neither node logged a password, client secret, code or token', () => {
    const logs = one().output() + two().output();
    // Both nodes logged the requests (LOG_LEVEL=debug: request lines are at debug), so the check below has something to look at.
    expect(one().output()).toContain('"url":"/api/oauth/authorize');
    expect(two().output()).toContain('"url":"/api/oauth/token"');
    for (const secret of secrets) expect(logs).not.toContain(secret);
  });
});
