import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missing, testDatabaseUrl } from '../../../test-support/services.js';
import { type TestApp, testApp } from './support/app.js';
import { type TcpProxy, tcpProxy } from './support/fault-injection/tcp-proxy.js';
import {
  authorizeUrl,
  Browser,
  hiddenFields,
  pkce,
  WEB_APP,
  webAppAuthorizeParams,
} from './support/form-login.js';
import { createFreshSchema, type FreshSchema } from './support/fresh-schema.js';
import { freePort } from './support/http.js';

/*
 * A sign-in attempt is counted before the password is checked (so that guesses sent at once cannot all read
 * the same count). A check that could not be made — PostgreSQL unreachable, answered 503 — must not count:
 * otherwise a user who tries a few times during an outage finds their account locked for 15 minutes after it.
 */

const WEB = { ...WEB_APP, skip_consent: true };
const USER = { username: 'selma', password: 'selma password 1' };

describe.skipIf(missing('postgres'))('signing in while the database is unreachable', () => {
  let schema: FreshSchema;
  let proxy: TcpProxy;
  let t: TestApp;
  beforeAll(async () => {
    schema = await createFreshSchema();
    const port = await freePort();
    const target = new URL(testDatabaseUrl!);
    proxy = tcpProxy(port, { host: target.hostname, port: Number(target.port || 5432) });
    await proxy.open();
    const viaProxy = new URL(schema.url);
    viaProxy.host = `127.0.0.1:${port}`;
    t = await testApp({ database: { url: viaProxy.toString() }, clients: [WEB], users: [USER] });
  }, 30_000);
  afterAll(async () => {
    await t?.close();
    await proxy.cut();
    await schema.drop();
  });

  it('does not count the attempts the outage answered 503: the right password works at once after', async () => {
    const b = new Browser(t);
    const page = await b.request('GET', authorizeUrl(webAppAuthorizeParams(pkce().challenge)));
    expect(page.statusCode).toBe(200);
    const signIn = () => b.request('POST', '/api/oauth/authorize', { ...hiddenFields(page.body), ...USER });

    await proxy.cut();
    // More attempts than the account's limit (5 per 15 minutes).
    for (let i = 0; i < 6; i++) expect((await signIn()).statusCode).toBe(503);
    await proxy.open();

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
