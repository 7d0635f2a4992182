import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKeys } from '../src/infra/store/index.js';
import { sha256Key } from '../src/service/crypto/hash.js';
import { type TestApp, testApp } from './support/app.js';
import { REFRESHING_WEB_APP, refreshAsWebApp, signInForRefreshToken } from './support/refresh.js';

/*
 * `oauth.refresh_token_reuse_grace_secs`: the same client presenting a just-rotated refresh token again gets
 * the same successor (its first answer was lost) instead of reuse detection revoking the grant — only within
 * the grace, only while the successor is unused. Off (0) by default.
 */

const USER = { username: 'gina', password: 'gina password 1' };

function server(graceSecs?: number) {
  let t: TestApp;
  beforeAll(async () => {
    const oauth = graceSecs === undefined ? {} : { refresh_token_reuse_grace_secs: graceSecs };
    t = await testApp({ oauth, clients: [REFRESHING_WEB_APP], users: [USER] });
  });
  afterAll(async () => t.close());
  return {
    firstToken: () => signInForRefreshToken(t, USER),
    refresh: (token: string) => refreshAsWebApp(t.app, token),
    /** Moves the token's rotation `secs` into the past. */
    async rotatedAgo(token: string, secs: number) {
      await t.ctx.database.db.execute(
        sql`update refresh_tokens set rotated_at = now() - make_interval(secs => ${secs})
            where token_hash = ${sha256Key(token)}`,
      );
    },
    get t() {
      return t;
    },
  };
}

const REUSED = 'refresh token was already used; the grant has been revoked';

describe('within the rotation grace', () => {
  const s = server(5);

  it('answers the same successor again (with a new access token), and the family goes on', async () => {
    const a = await s.firstToken();
    const first = await s.refresh(a);
    expect(first.statusCode).toBe(200);
    const b = first.json().refresh_token as string;
    const again = await s.refresh(a);
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json().refresh_token).toBe(b);
    expect(again.json().access_token).not.toBe(first.json().access_token);
    const c = await s.refresh(b);
    expect(c.statusCode).toBe(200);
    expect((await s.refresh(c.json().refresh_token)).statusCode).toBe(200);
  });

  it('keeps the successor only encrypted, in the store, never in clear', async () => {
    const a = await s.firstToken();
    const b = (await s.refresh(a)).json().refresh_token as string;
    const sealed = await s.t.ctx.store.get(storeKeys.rotatedRefreshToken(sha256Key(a)));
    expect(sealed).toBeDefined();
    expect(sealed).not.toContain(b);
    const rows = await s.t.ctx.database.db.execute(sql`select * from refresh_tokens`);
    expect(JSON.stringify(rows.rows)).not.toContain(b);
  });

  it('is reuse once the successor has been used: the grant is revoked', async () => {
    const a = await s.firstToken();
    const b = (await s.refresh(a)).json().refresh_token as string;
    const c = (await s.refresh(b)).json().refresh_token as string;
    const reused = await s.refresh(a);
    expect(reused.statusCode).toBe(400);
    expect(reused.json()).toEqual({ error: 'invalid_grant', error_description: REUSED });
    expect((await s.refresh(c)).json().error).toBe('invalid_grant');
  });

  it('is reuse after the grace: the grant is revoked', async () => {
    const a = await s.firstToken();
    const b = (await s.refresh(a)).json().refresh_token as string;
    await s.rotatedAgo(a, 6);
    const reused = await s.refresh(a);
    expect(reused.json()).toEqual({ error: 'invalid_grant', error_description: REUSED });
    expect((await s.refresh(b)).json().error).toBe('invalid_grant');
  });
});

describe('without a rotation grace (the default)', () => {
  const s = server();

  it('revokes the grant at the first reuse, however soon', async () => {
    expect(s.t.ctx.config.oauth.refresh_token_reuse_grace_secs).toBe(0);
    const a = await s.firstToken();
    const b = (await s.refresh(a)).json().refresh_token as string;
    const reused = await s.refresh(a);
    expect(reused.json()).toEqual({ error: 'invalid_grant', error_description: REUSED });
    expect((await s.refresh(b)).json().error).toBe('invalid_grant');
    expect(await s.t.ctx.store.get(storeKeys.rotatedRefreshToken(sha256Key(a)))).toBeUndefined();
  });
});
