import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missing } from '../../../test-support/services.js';
import { type TestApp, testApp } from './support/app.js';
import {
  authorizeUrl,
  Browser,
  hiddenFields,
  pkce,
  redeemWebAppCode,
  signInThroughForms,
  webAppAuthorizeParams,
} from './support/form-login.js';
import { retryWhileUnavailable } from './support/http.js';
import { REFRESHING_WEB_APP } from './support/refresh.js';
import { type SchemaBehindProxy, schemaBehindProxy } from './support/schema-behind-proxy.js';

/*
 * What the database could not answer (503 temporarily_unavailable, which clients retry) spends nothing:
 * - A code redeemed during the outage stays unspent: had the failed attempt spent it, the retry would be taken
 *   for a replay (RFC 6749 §4.1.2), refused, and the grant revoked — a sign-in lost to a short outage.
 * - A sign-in attempt is counted before the password is checked (so that guesses sent at once cannot all read
 *   the same count); a check that could not be made must not count, or a user who tries a few times during an
 *   outage finds their account locked for 15 minutes after it.
 * Each case has its own user, so that neither one's attempts count against the other.
 */

const REDEEMER = { username: 'olga', password: 'olga password 1' };
const SIGNER = { username: 'selma', password: 'selma password 1' };

describe.skipIf(missing('postgres'))('while the database is unreachable', () => {
  let db: SchemaBehindProxy;
  let t: TestApp;
  beforeAll(async () => {
    db = await schemaBehindProxy();
    t = await testApp({
      database: { url: db.url },
      clients: [REFRESHING_WEB_APP],
      users: [REDEEMER, SIGNER],
    });
  }, 30_000);
  afterAll(async () => {
    await t?.close();
    await db.drop();
  });

  it('answers 503 without spending the code: the same code is redeemed once the database is back', async () => {
    const { challenge, verifier } = pkce();
    // offline_access: the redemption writes the first refresh token, so it needs the database.
    const params = webAppAuthorizeParams(challenge, { scope: 'openid offline_access' });
    const res = await signInThroughForms(new Browser(t), params, REDEEMER.username, REDEEMER.password);
    const code = new URL(res.headers.location as string).searchParams.get('code')!;
    expect(code).toBeTruthy();

    await db.proxy.cut();
    const during = await redeemWebAppCode(t.app, code, verifier);
    expect(during.statusCode, during.body).toBe(503);
    expect(during.json().error).toBe('temporarily_unavailable');
    await db.proxy.open();

    // The pool reconnects first (an attempt may still meet a dead connection: 503, and the code stays unspent).
    const after = await retryWhileUnavailable(() => redeemWebAppCode(t.app, code, verifier));
    expect(after.statusCode, after.body).toBe(200);
    expect(after.json().refresh_token).toBeTruthy();
    // Redeemed now: a second use is a replay.
    expect((await redeemWebAppCode(t.app, code, verifier)).json().error).toBe('invalid_grant');
  }, 60_000);

  it('does not count the attempts the outage answered 503: the right password works at once after', async () => {
    const b = new Browser(t);
    const page = await b.request('GET', authorizeUrl(webAppAuthorizeParams(pkce().challenge)));
    expect(page.statusCode).toBe(200);
    const signIn = () => b.request('POST', '/api/oauth/authorize', { ...hiddenFields(page.body), ...SIGNER });

    await db.proxy.cut();
    // More attempts than the account's limit (5 per 15 minutes).
    for (let i = 0; i < 6; i++) expect((await signIn()).statusCode).toBe(503);
    await db.proxy.open();

    // The pool reconnects first (an attempt may still meet a dead connection: 503, given back as well).
    const res = await retryWhileUnavailable(signIn);
    expect(res.statusCode, res.body.slice(0, 300)).toBe(303);
    expect(new URL(res.headers.location as string).searchParams.get('code')).toBeTruthy();
  }, 60_000);
});
