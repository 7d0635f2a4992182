import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missing, testRedisUrl } from '../../../test-support/services.js';
import { type Gatehouse, openGatehouse } from '../src/app/gatehouse.js';
import { buildApp } from '../src/app/server.js';
import { MEMORY_STORE_MAX_ENTRIES } from '../src/infra/store/index.js';
import { RefreshTokenRepo } from '../src/repo/refresh-tokens.js';
import { sha256Key } from '../src/service/crypto/hash.js';
import { testConfig } from './support/app.js';

/** The `refresh_tokens` rows of a node's database, read directly. */
const rows = (node: { ctx: Gatehouse }) => new RefreshTokenRepo(node.ctx.database.db);

import { postAsWebApp, WEB_APP } from './support/form-login.js';
import { createFreshSchema, type FreshSchema } from './support/fresh-schema.js';
import { signInForRefreshToken } from './support/refresh.js';

/*
 * Refresh tokens live for weeks (30 days by default): they are kept in the database, not in the store, so a
 * restart of the node (in-process store), a Redis restart without persistence or a full in-process store
 * does not sign every application's users out.
 */

const WEB = {
  ...WEB_APP,
  grant_types: ['authorization_code', 'refresh_token'],
  skip_consent: true,
};
const USER = { username: 'dora', password: 'explorer password 1' };

type Node = Awaited<ReturnType<typeof startNode>>;

async function startNode(database: Record<string, unknown>, redisUrl?: string) {
  const ctx = await openGatehouse(
    testConfig({ ...database, redis: { url: redisUrl }, clients: [WEB], users: [USER] }),
  );
  const app = await buildApp(ctx);
  const post = (url: string, form: Record<string, string>) => postAsWebApp(app, url, form);
  return {
    ctx,
    app,
    post,
    refresh: (refreshToken: string) =>
      post('/api/oauth/token', { grant_type: 'refresh_token', refresh_token: refreshToken }),
    async close() {
      await app.close();
      await ctx.close();
    },
  };
}

/** Signs in through the pages with offline_access and redeems the code: the refresh token. */
const signIn = (node: Node) => signInForRefreshToken(node, USER);

const setups: {
  name: string;
  skip: boolean;
  database: () => Promise<{ config: Record<string, unknown>; drop(): Promise<void> }>;
  redisUrl?: string | undefined;
}[] = [
  {
    name: 'embedded PGlite data folder, in-process store',
    skip: false,
    database: async () => ({
      config: { database: { url: undefined }, data_dir: mkdtempSync(join(tmpdir(), 'gh-refresh-')) },
      drop: async () => undefined,
    }),
  },
  {
    name: 'PostgreSQL and Redis',
    skip: missing('postgres') || missing('redis'),
    database: async () => {
      const schema: FreshSchema = await createFreshSchema();
      return { config: { database: { url: schema.url } }, drop: () => schema.drop() };
    },
    redisUrl: testRedisUrl,
  },
];

for (const setup of setups) {
  describe.skipIf(setup.skip)(`refresh tokens are durable (${setup.name})`, () => {
    let db: Awaited<ReturnType<(typeof setup)['database']>>;
    beforeAll(async () => {
      db = await setup.database();
    });
    afterAll(async () => db.drop());

    it('survive a restart of the node with an empty store, and reuse of a rotated one is still detected', async () => {
      const first = await startNode(db.config, setup.redisUrl);
      let used: string;
      let current: string;
      try {
        used = await signIn(first);
        const rotated = await first.refresh(used);
        expect(rotated.statusCode).toBe(200);
        current = rotated.json().refresh_token;
      } finally {
        await first.close();
      }
      // The restarted node: same database, a store that knows nothing (in-process store lost with the
      // process; with Redis, as after a Redis restart without persistence).
      const second = await startNode(db.config);
      try {
        const again = await second.refresh(current);
        expect(again.statusCode, again.body).toBe(200);
        const next = again.json().refresh_token as string;
        // RFC 9700 §4.14.2: the token rotated before the restart is reuse, and revokes the family.
        const reuse = await second.refresh(used);
        expect(reuse.json().error).toBe('invalid_grant');
        expect((await second.refresh(next)).json().error).toBe('invalid_grant');
      } finally {
        await second.close();
      }
    });
  });
}

describe('refresh tokens and the in-process store', () => {
  let node: Node;
  beforeAll(async () => {
    node = await startNode({});
  });
  afterAll(async () => node.close());

  it('are not among what a full in-process store drops', async () => {
    const refreshToken = await signIn(node);
    // Fill the store past its cap with the entries it drops to make room (WritePriority `cheap`).
    for (let i = 0; i < MEMORY_STORE_MAX_ENTRIES + 10; i++)
      await node.ctx.store.set(`filler:${i}`, 'x', 3600, { priority: 'cheap' });
    const res = await node.refresh(refreshToken);
    expect(res.statusCode, res.body).toBe(200);
  });

  it('are stored by hash only', async () => {
    const refreshToken = await signIn(node);
    const row = await rows(node).find(sha256Key(refreshToken));
    expect(row).toMatchObject({ clientId: 'web-app', rotatedAt: null, revokedAt: null });
    expect(JSON.stringify(row)).not.toContain(refreshToken);
  });

  it('issues the first token of a grant already revoked (a code replay that won the race) revoked', async () => {
    const row = (await rows(node).find(sha256Key(await signIn(node))))!;
    const client = (await node.ctx.clients.find('web-app'))!;
    const grant = {
      userId: row.userId,
      authTime: row.authTime,
      sid: row.sid,
      scope: row.scope,
      nonce: undefined,
    };
    // The replay's revocation lands before the redemption's insert (the other order is the ordinary one).
    await node.ctx.grantRevocation.revoke('raced-grant');
    const token = await node.ctx.refreshTokens.issueFirst(client, grant, 'raced-grant');
    expect((await node.refresh(token)).json().error).toBe('invalid_grant');
  });

  it('answers a reused token sent with a wider scope as reuse (invalid_grant, family revoked), not invalid_scope', async () => {
    const first = await signIn(node);
    const second = (await node.refresh(first)).json().refresh_token as string;
    const reuse = await node.post('/api/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: first,
      scope: 'openid admin',
    });
    expect(reuse.json().error).toBe('invalid_grant');
    expect((await node.refresh(second)).json().error).toBe('invalid_grant');
  });

  it('purges rows whose family has expired, and only those', async () => {
    const refreshToken = await signIn(node);
    const hash = sha256Key(refreshToken);
    const row = (await rows(node).find(hash))!;
    await rows(node).insert({
      ...row,
      tokenHash: 'expired-hash',
      expiresAt: new Date(Date.now() - 1000),
    });
    expect(await node.ctx.refreshTokens.purgeExpired()).toBeGreaterThanOrEqual(1);
    expect(await rows(node).find('expired-hash')).toBeUndefined();
    expect(await rows(node).find(hash)).toBeDefined();
  });
});

describe.skipIf(missing('postgres') || missing('redis'))(
  'a grant revoked while its token is being rotated (PostgreSQL)',
  () => {
    let schema: FreshSchema;
    beforeAll(async () => {
      schema = await createFreshSchema();
    });
    afterAll(async () => schema.drop());

    it('leaves no live successor: the rotation that held the row is refused and its successor revoked', async () => {
      const node = await startNode({ database: { url: schema.url } }, testRedisUrl);
      try {
        const stolen = await signIn(node);
        const current = (await node.refresh(stolen)).json().refresh_token as string;
        // Hold the current token's row so that the rotation and the reuse's revocation both wait on it.
        await schema.admin.query('begin');
        await schema.admin.query(
          `select 1 from "${schema.name}".refresh_tokens where token_hash = $1 for update`,
          [sha256Key(current)],
        );
        const rotation = node.refresh(current);
        await new Promise((r) => setTimeout(r, 200));
        const reuse = node.refresh(stolen);
        await new Promise((r) => setTimeout(r, 200));
        await schema.admin.query('commit');
        const [rotated, reused] = await Promise.all([rotation, reuse]);
        expect(reused.json().error).toBe('invalid_grant');
        const family = (await rows(node).find(sha256Key(current)))!.family;
        const live = await schema.admin.query(
          `select count(*)::int as n from "${schema.name}".refresh_tokens where family = $1 and revoked_at is null`,
          [family],
        );
        expect(live.rows[0].n).toBe(0);
        if (rotated.statusCode === 200) {
          expect((await node.refresh(rotated.json().refresh_token)).json().error).toBe('invalid_grant');
        } else {
          expect(rotated.json().error).toBe('invalid_grant');
        }
      } finally {
        await node.close();
      }
    });
  },
);

describe('a grant revoked before a restart on the in-process store', () => {
  it("keeps its access tokens inactive after the restart (the markers are restored from the grant's rows)", async () => {
    const config = { database: { url: undefined }, data_dir: mkdtempSync(join(tmpdir(), 'gh-revoked-')) };
    const call = (node: Node, url: string, token: string) => node.post(url, { token });
    const first = await startNode(config);
    let accessToken: string;
    try {
      const refreshed = (await first.refresh(await signIn(first))).json();
      accessToken = refreshed.access_token;
      // RFC 7009 §2.1: revoking the refresh token revokes the grant, its access tokens included.
      expect((await call(first, '/api/oauth/revoke', refreshed.refresh_token)).statusCode).toBe(200);
      expect((await call(first, '/api/oauth/introspect', accessToken)).json()).toEqual({ active: false });
    } finally {
      await first.close();
    }
    const second = await startNode(config);
    try {
      expect((await call(second, '/api/oauth/introspect', accessToken)).json()).toEqual({ active: false });
    } finally {
      await second.close();
    }
  });
});

describe('withdrawing consent', () => {
  it("revokes the user's grants to the client: refresh tokens and the access tokens they issued", async () => {
    const node = await startNode({});
    try {
      const first = await signIn(node);
      const second = await signIn(node);
      const refreshed = (await node.refresh(second)).json();
      const introspect = (token: string) => node.post('/api/oauth/introspect', { token });
      expect((await introspect(refreshed.access_token)).json().active).toBe(true);
      expect(await node.ctx.grantRevocation.revokeClientGrantsOf(USER.username, 'web-app')).toBe(2);
      expect((await node.refresh(first)).json().error).toBe('invalid_grant');
      expect((await node.refresh(refreshed.refresh_token)).json().error).toBe('invalid_grant');
      expect((await introspect(refreshed.access_token)).json()).toEqual({ active: false });
      expect(await node.ctx.grantRevocation.revokeClientGrantsOf(USER.username, 'web-app')).toBe(0);
    } finally {
      await node.close();
    }
  });
});
