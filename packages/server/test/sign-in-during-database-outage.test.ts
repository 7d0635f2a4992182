import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missing } from '../../../test-support/services.js';
import { type TestApp, testApp } from './support/app.js';
import {
  authorizeUrl,
  Browser,
  hiddenFields,
  pkce,
  WEB_APP,
  webAppAuthorizeParams,
} from './support/form-login.js';
import { type SchemaBehindProxy, schemaBehindProxy } from './support/schema-behind-proxy.js';

/*
 * A sign-in attempt is counted before the password is checked (so that guesses sent at once cannot all read
 * the same count). A check that could not be made — PostgreSQL unreachable, answered 503 — must not count:
 * otherwise a user who tries a few times during an outage finds their account locked for 15 minutes after it.
 */

const WEB = { ...WEB_APP, skip_consent: true };
const USER = { username: 'selma', password: 'selma password 1' };

describe.skipIf(missing('postgres'))('signing in while the database is unreachable', () => {
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

  it('does not count the attempts the outage answered 503: the right password works at once after', async () => {
    const b = new Browser(t);
    const page = await b.request('GET', authorizeUrl(webAppAuthorizeParams(pkce().challenge)));
    expect(page.statusCode).toBe(200);
    const signIn = () => b.request('POST', '/api/oauth/authorize', { ...hiddenFields(page.body), ...USER });

    await db.proxy.cut();
    // More attempts than the account's limit (5 per 15 minutes).
    for (let i = 0; i < 6; i++) expect((await signIn()).statusCode).toBe(503);
    await db.proxy.open();

    // The pool reconnects first (an attempt may still meet a dead connection: 503, given back as well).
    let res = await signIn();
    for (let i = 0; i < 50 && res.statusCode === 503; i++) {
      await new Promise((r) => setTimeout(r, 200));
      res = await signIn();
    }
    expect(res.statusCode, res.body.slice(0, 300)).toBe(303);
    expect(new URL(res.headers.location as string).searchParams.get('code')).toBeTruthy();
  }, 60_000);
});
