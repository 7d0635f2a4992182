import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missing } from '../../../test-support/services.js';
import { type TestApp, testApp } from './support/app.js';
import {
  Browser,
  pkce,
  redeemWebAppCode,
  signInThroughForms,
  WEB_APP,
  webAppAuthorizeParams,
} from './support/form-login.js';
import { type SchemaBehindProxy, schemaBehindProxy } from './support/schema-behind-proxy.js';

/*
 * A code redeemed while the database cannot be reached is answered 503 temporarily_unavailable, which clients
 * retry. The retry must redeem the code: had the failed attempt spent it, the retry would be taken for a replay
 * (RFC 6749 §4.1.2), refused, and the grant revoked — a sign-in lost to a short outage.
 */

const WEB = { ...WEB_APP, grant_types: ['authorization_code', 'refresh_token'], skip_consent: true };
const USER = { username: 'olga', password: 'olga password 1' };

describe.skipIf(missing('postgres'))('redeeming a code while the database is unreachable', () => {
  let db: SchemaBehindProxy;
  let t: TestApp;
  beforeAll(async () => {
    db = await schemaBehindProxy();
    t = await testApp({ database: { url: db.url }, clients: [WEB], users: [USER] });
  }, 30_000);
  afterAll(async () => {
    await t?.close();
    await db.drop();
  });

  it('answers 503 without spending the code: the same code is redeemed once the database is back', async () => {
    const { challenge, verifier } = pkce();
    // offline_access: the redemption writes the first refresh token, so it needs the database.
    const params = webAppAuthorizeParams(challenge, { scope: 'openid offline_access' });
    const res = await signInThroughForms(new Browser(t), params, USER.username, USER.password);
    const code = new URL(res.headers.location as string).searchParams.get('code')!;
    expect(code).toBeTruthy();

    await db.proxy.cut();
    const during = await redeemWebAppCode(t.app, code, verifier);
    expect(during.statusCode, during.body).toBe(503);
    expect(during.json().error).toBe('temporarily_unavailable');
    await db.proxy.open();

    // The pool reconnects first (an attempt may still meet a dead connection: 503, and the code stays unspent).
    let after = await redeemWebAppCode(t.app, code, verifier);
    for (let i = 0; i < 50 && after.statusCode === 503; i++) {
      await new Promise((r) => setTimeout(r, 200));
      after = await redeemWebAppCode(t.app, code, verifier);
    }
    expect(after.statusCode, after.body).toBe(200);
    expect(after.json().refresh_token).toBeTruthy();
    // Redeemed now: a second use is a replay.
    expect((await redeemWebAppCode(t.app, code, verifier)).json().error).toBe('invalid_grant');
  }, 60_000);
});
