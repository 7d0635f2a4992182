import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missing, testRedisUrl } from '../../../test-support/services.js';
import { SECRET, TEST_REDIS_KEY_PREFIX, testApp } from './support/app.js';
import { runCli } from './support/cli.js';
import {
  authorizeUrl,
  Browser,
  hiddenFields,
  pkce,
  signInThroughForms,
  WEB_APP,
} from './support/form-login.js';
import { createFreshSchema, type FreshSchema } from './support/fresh-schema.js';

/**
 * Remembered consent lives in the database (`consents`), not only in the store: it survives a restart with
 * the in-process store or a flushed Redis, accumulates scopes, and can be withdrawn by an operator.
 */

const ALICE = { username: 'alice', password: 'correct horse battery', email: 'alice@example.com' };

interface Backend {
  /** Database URL shared by every node of the test. */
  databaseUrl: string;
  /** Redis URL of the nodes that share a store, or undefined for in-process stores. */
  redisUrl: string | undefined;
  cleanup(): Promise<void>;
}

const backends: [string, boolean, () => Promise<Backend>][] = [
  [
    'embedded PGlite, in-process store',
    false,
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'gh-consent-'));
      return {
        databaseUrl: `pglite:${dir}`,
        redisUrl: undefined,
        cleanup: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  ],
  [
    'PostgreSQL and Redis',
    missing('postgres') || missing('redis'),
    async () => {
      const schema: FreshSchema = await createFreshSchema();
      return { databaseUrl: schema.url, redisUrl: testRedisUrl, cleanup: () => schema.drop() };
    },
  ],
];

describe.each(backends)('remembered consent on %s', (_name, skip, open) => {
  let backend: Backend;
  beforeAll(async () => {
    if (!skip) backend = await open();
  });
  afterAll(async () => backend?.cleanup());

  /** A node on the shared database; `freshStore` gives it an empty in-process store (a flushed Redis). */
  async function node(freshStore = false) {
    const redis = freshStore ? undefined : backend.redisUrl;
    return testApp({
      database: { url: backend.databaseUrl },
      ...(redis ? { redis: { url: redis } } : {}),
      clients: [WEB_APP],
      users: [ALICE],
    });
  }

  const params = (scope: string, extra: Record<string, string> = {}) => ({
    response_type: 'code',
    client_id: 'web-app',
    redirect_uri: 'https://app.example.com/cb',
    scope,
    code_challenge: pkce().challenge,
    code_challenge_method: 'S256',
    ...extra,
  });
  const codeIn = (location: unknown) => new URL(location as string).searchParams.get('code');
  const errorIn = (location: unknown) => new URL(location as string).searchParams.get('error');

  it.skipIf(skip)('is kept in the database: a node with an empty store does not ask again', async () => {
    const first = await node();
    try {
      const consented = await signInThroughForms(
        new Browser(first),
        params('openid profile'),
        'alice',
        ALICE.password,
      );
      expect(codeIn(consented.headers.location)).toBeTruthy();
    } finally {
      await first.close(); // with the in-process store, every session and cached consent goes with it
    }

    const second = await node(true);
    try {
      const b = new Browser(second);
      // A new sign-in (the session was in the lost store), and no consent page: straight back with a code.
      const res = await signInThroughForms(b, params('openid profile'), 'alice', ALICE.password);
      expect(res.statusCode).toBe(303);
      expect(codeIn(res.headers.location)).toBeTruthy();
      // A scope never granted still needs consent.
      const wider = await b.request('GET', authorizeUrl(params('openid profile email', { prompt: 'none' })));
      expect(errorIn(wider.headers.location)).toBe('consent_required');
    } finally {
      await second.close();
    }
  });

  /** Approves the consent page that a signed-in user gets for `p`; the redirect back to the client. */
  async function approve(b: Browser, p: Record<string, string>) {
    const page = await b.request('GET', authorizeUrl(p));
    expect(page.body).toContain('name="consent"');
    expect(page.body).not.toContain('autocomplete="current-password"');
    return b.request('POST', '/api/oauth/authorize', { ...hiddenFields(page.body), consent: 'approve' });
  }

  it.skipIf(skip)(
    'adds newly approved scopes to what was granted; withdrawn or client deleted → asked again',
    async () => {
      const n = await node();
      // With a shared Redis the operator may be another node; an embedded database has one process at a time.
      const operator = backend.redisUrl ? await node() : n;
      try {
        const b = new Browser(n);
        await signInThroughForms(b, params('openid profile'), 'alice', ALICE.password);
        expect(codeIn((await approve(b, params('openid email'))).headers.location)).toBeTruthy();
        expect(await n.ctx.consents.list('alice')).toEqual([
          expect.objectContaining({ clientId: 'web-app', scopes: ['email', 'openid', 'profile'] }),
        ]);
        const union = await b.request(
          'GET',
          authorizeUrl(params('openid profile email', { prompt: 'none' })),
        );
        expect(codeIn(union.headers.location)).toBeTruthy();

        expect(await operator.ctx.consents.revoke('alice', 'web-app')).toBe(true);
        expect(await operator.ctx.consents.revoke('alice', 'web-app')).toBe(false);
        const withdrawn = await b.request('GET', authorizeUrl(params('openid', { prompt: 'none' })));
        expect(errorIn(withdrawn.headers.location)).toBe('consent_required');

        expect(codeIn((await approve(b, params('openid'))).headers.location)).toBeTruthy();
        expect(await n.ctx.clients.delete('web-app')).toBe(true);
        expect(await n.ctx.consents.list('alice')).toEqual([]);
      } finally {
        if (operator !== n) await operator.close();
        await n.close();
      }
    },
  );

  it.skipIf(skip)('gatehouse consents list | revoke', async () => {
    const n = await node();
    try {
      await signInThroughForms(new Browser(n), params('openid profile'), 'alice', ALICE.password);
    } finally {
      await n.close();
    }
    const env = {
      DATABASE_URL: backend.databaseUrl,
      JWT_SECRET: SECRET,
      ...(backend.redisUrl ? { REDIS_URL: backend.redisUrl } : {}),
      REDIS__KEY_PREFIX: TEST_REDIS_KEY_PREFIX,
    };
    const list = await runCli(['consents', 'list', 'alice'], env);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([
      expect.objectContaining({ clientId: 'web-app', scopes: ['openid', 'profile'] }),
    ]);
    expect((await runCli(['consents', 'revoke', 'alice', 'web-app'], env)).code).toBe(0);
    expect(JSON.parse((await runCli(['consents', 'list', 'alice'], env)).stdout)).toEqual([]);
    const again = await runCli(['consents', 'revoke', 'alice', 'web-app'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('no consent of alice for web-app');
  });
});
