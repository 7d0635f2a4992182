/**
 * An authorization code is redeemed once (RFC 6749 §4.1.2, RFC 9700 §4.2.4): its own client presenting it again,
 * even concurrently with the first redemption, gets "already used" and the grant is revoked; another client
 * presenting it is refused like an unknown code and revokes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missing, testRedisUrl } from '../../../test-support/services.js';
import { authRequest, type TestApp, testApp } from './support/app.js';
import { FORM, pkce } from './support/form-login.js';
import { basic } from './support/http.js';

const REDIRECT_URI = 'https://app.example.com/cb';
const VICTIM = {
  client_id: 'victim-app',
  client_secret: 'victim-app-secret-0123456789abcdefgh',
  grant_types: ['authorization_code', 'refresh_token'],
  redirect_uris: [REDIRECT_URI],
};
const ATTACKER = {
  client_id: 'attacker-app',
  client_secret: 'attacker-app-secret-0123456789abcdef',
  grant_types: ['authorization_code'],
  redirect_uris: [REDIRECT_URI],
};
const ALICE = { username: 'alice', password: 'correct horse battery' };
const VICTIM_AUTH = basic(VICTIM.client_id, VICTIM.client_secret);
const ATTACKER_AUTH = basic(ATTACKER.client_id, ATTACKER.client_secret);

const stores = [
  { name: 'the in-process store', redis: undefined },
  ...(missing('redis') ? [] : [{ name: 'Redis', redis: testRedisUrl }]),
];

describe.each(stores)('authorization code redemption on $name', ({ redis }) => {
  let t: TestApp;
  let userId: string;
  beforeAll(async () => {
    t = await testApp({
      clients: [VICTIM, ATTACKER],
      users: [ALICE],
      // The Redis store is shared with other test runs, whose requests count in the same per-IP windows.
      ...(redis ? { redis: { url: redis }, rate_limit: { enabled: false } } : {}),
    });
    userId = (await t.ctx.users.verifyPassword(ALICE.username, ALICE.password))!.id;
  });
  afterAll(() => t.close());

  /** Every second read of a `code:` record, counted from 0, waits `delayMs` first (the store itself is real). */
  let readsOfCode = 0;
  const delayMs = 20;
  beforeAll(() => {
    const { store } = t.ctx;
    const slow = async (keys: readonly string[]) => {
      if (keys[0]?.startsWith('code:') && readsOfCode++ % 2 === 1) {
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    };
    const get = store.get.bind(store);
    const getMany = store.getMany.bind(store);
    // The in-process store's getMany reads through get, synchronously: those reads are one, not delayed.
    let inGetMany = false;
    store.get = async (key) => {
      if (!inGetMany) await slow([key]);
      return get(key);
    };
    store.getMany = async (keys) => {
      await slow(keys);
      inGetMany = true;
      try {
        return getMany(keys);
      } finally {
        inGetMany = false;
      }
    };
  });

  /** A code for victim-app, issued by the grant itself (the authorization endpoint's last step). */
  const issueCode = async () => {
    const { verifier, challenge } = pkce();
    const client = (await t.ctx.clients.find(VICTIM.client_id))!;
    const req = authRequest(client, {
      redirectUri: REDIRECT_URI,
      scopes: ['offline_access'],
      codeChallenge: challenge,
    });
    const code = await t.ctx.authorizationCodes.issueCode(req, { sid: 'sid-1', userId, authTime: 1 });
    return { code, verifier };
  };
  const post = (url: string, authorization: string, form: Record<string, string>) =>
    t.app.inject({
      method: 'POST',
      url,
      headers: { ...FORM, authorization },
      payload: new URLSearchParams(form).toString(),
    });
  const redeem = (authorization: string, { code, verifier }: { code: string; verifier: string }) =>
    post('/api/oauth/token', authorization, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
    });
  const active = async (token: string) =>
    (await post('/api/oauth/introspect', VICTIM_AUTH, { token })).json().active as boolean;

  it('refuses a code presented by another client like an unknown one, and revokes nothing', async () => {
    const issued = await issueCode();
    const unknownCode = (await redeem(VICTIM_AUTH, { ...issued, code: 'no-such-code' })).json();
    expect(unknownCode.error).toBe('invalid_grant');

    // Before the victim redeems it: refused, and the victim can still redeem it.
    expect((await redeem(ATTACKER_AUTH, issued)).json()).toEqual(unknownCode);
    const first = await redeem(VICTIM_AUTH, issued);
    expect(first.statusCode).toBe(200);
    const { access_token, refresh_token } = first.json() as { access_token: string; refresh_token: string };
    expect(refresh_token).toBeDefined();

    // After: the same answer as an unknown code, and the victim's tokens stay active.
    const replay = await redeem(ATTACKER_AUTH, issued);
    expect(replay.statusCode).toBe(400);
    expect(replay.json()).toEqual(unknownCode);
    expect(await active(access_token)).toBe(true);
    expect(await active(refresh_token)).toBe(true);

    // The victim's own replay revokes the grant.
    expect((await redeem(VICTIM_AUTH, issued)).json()).toEqual({
      error: 'invalid_grant',
      error_description: 'authorization code already used',
    });
    expect(await active(access_token)).toBe(false);
    expect(await active(refresh_token)).toBe(false);
  });

  it('lets one of two concurrent redemptions win, and the loser revokes the winner’s tokens', async () => {
    for (let round = 0; round < 30; round++) {
      const issued = await issueCode();
      // Two nodes redeeming at once answer at different speeds: here the second read of the code's record
      // waits a little, so the first redemption may claim the code (and drop the record) in between.
      readsOfCode = 0;
      const answers = await Promise.all([redeem(VICTIM_AUTH, issued), redeem(VICTIM_AUTH, issued)]);
      const won = answers.filter((r) => r.statusCode === 200);
      const lost = answers.filter((r) => r.statusCode !== 200);
      expect({ round, won: won.length }).toEqual({ round, won: 1 });
      expect({ round, lost: lost[0]!.json() }).toEqual({
        round,
        lost: { error: 'invalid_grant', error_description: 'authorization code already used' },
      });
      const { access_token, refresh_token } = won[0]!.json() as {
        access_token: string;
        refresh_token: string;
      };
      expect({ round, access: await active(access_token) }).toEqual({ round, access: false });
      expect({ round, refresh: await active(refresh_token) }).toEqual({ round, refresh: false });
    }
  });
});
