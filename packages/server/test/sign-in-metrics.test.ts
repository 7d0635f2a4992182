/**
 * Sign-ins, lockouts and issued tokens as /metrics exposes them: every outcome of the login form counted once,
 * a lockout counted when it begins (not again for each refused attempt), every series exposed from the start.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from './support/app.js';
import {
  Browser,
  pkce,
  redeemWebAppCode,
  signInThroughForms,
  WEB_APP,
  webAppAuthorizeParams,
} from './support/form-login.js';

const USER = { username: 'alice', password: 'correct-horse-battery' };

describe('sign-in metrics', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await testApp({ clients: [WEB_APP], users: [USER] });
  });
  afterEach(async () => {
    await t.close();
  });

  const metrics = async () => (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
  const series = (body: string, name: string, labels: string) =>
    Number(new RegExp(`^${name}\\{${labels}\\} (\\d+)$`, 'm').exec(body)?.[1]);

  it('count succeeded, failed and locked sign-ins from 0, one lockout for an account, and the tokens issued', async () => {
    const before = await metrics();
    for (const outcome of ['succeeded', 'failed', 'locked']) {
      expect(series(before, 'gatehouse_sign_ins_total', `outcome="${outcome}"`)).toBe(0);
    }
    for (const limit of ['account', 'address']) {
      expect(series(before, 'gatehouse_sign_in_lockouts_total', `limit="${limit}"`)).toBe(0);
    }

    const browser = new Browser(t);
    const { verifier, challenge } = pkce();
    const signedIn = await signInThroughForms(
      browser,
      webAppAuthorizeParams(challenge),
      USER.username,
      USER.password,
    );
    const code = new URL(signedIn.headers.location as string).searchParams.get('code') as string;
    expect((await redeemWebAppCode(t.app, code, verifier)).statusCode).toBe(200);

    // Five wrong passwords use the account's five attempts; the two after are refused unchecked.
    const outsider = new Browser(t);
    for (let i = 0; i < 7; i++) {
      const res = await signInThroughForms(
        outsider,
        webAppAuthorizeParams(pkce().challenge),
        USER.username,
        'wrong',
      );
      expect(res.statusCode).not.toBe(302);
    }

    const body = await metrics();
    expect(series(body, 'gatehouse_sign_ins_total', 'outcome="succeeded"')).toBe(1);
    expect(series(body, 'gatehouse_sign_ins_total', 'outcome="failed"')).toBe(5);
    expect(series(body, 'gatehouse_sign_ins_total', 'outcome="locked"')).toBe(2);
    expect(series(body, 'gatehouse_sign_in_lockouts_total', 'limit="account"')).toBe(1);
    expect(series(body, 'gatehouse_sign_in_lockouts_total', 'limit="address"')).toBe(0);
    expect(series(body, 'gatehouse_tokens_issued_total', 'grant_type="authorization_code"')).toBe(1);
  });

  it('count a lockout of an address once, however many usernames it then tries', async () => {
    // 20 attempts per address: one username each (no account reaches its own limit), then three more.
    const browser = new Browser(t);
    for (let i = 0; i < 23; i++) {
      await signInThroughForms(browser, webAppAuthorizeParams(pkce().challenge), `guess-${i}`, 'wrong');
    }
    const body = await metrics();
    expect(series(body, 'gatehouse_sign_ins_total', 'outcome="failed"')).toBe(20);
    expect(series(body, 'gatehouse_sign_ins_total', 'outcome="locked"')).toBe(3);
    expect(series(body, 'gatehouse_sign_in_lockouts_total', 'limit="address"')).toBe(1);
    expect(series(body, 'gatehouse_sign_in_lockouts_total', 'limit="account"')).toBe(0);
  });
});
