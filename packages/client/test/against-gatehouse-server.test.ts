/**
 * `@gatehouse/client` against `@gatehouse/server` on a real port: the authorization code grant with PKCE,
 * the end user signing in through the server's own login and consent pages over HTTP, then the ID token,
 * userinfo, refresh-token rotation, SSO for a second site and revocation of the user's access token.
 * (Client credentials, the device flow, and introspection/revocation of machine tokens are run by
 * examples-run.test.ts.)
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpUserAgent } from '../../../examples/support/http-user-agent.js';
import { type LocalGatehouse, startLocalGatehouse } from '../../../examples/support/local-gatehouse.js';
import {
  type AuthorizationCodeFlow,
  AuthorizationError,
  type AuthorizationRequest,
  type AuthorizationResult,
  clearDiscoveryCache,
  createOAuth2ClientFromDiscovery,
  type OAuth2Client,
  ProtocolError,
  TokenError,
} from '../src/index.js';

const NOTES_CALLBACK = 'http://127.0.0.1:3000/callback';
const SHOP_CALLBACK = 'http://127.0.0.1:3001/callback';
const ALICE = { username: 'alice', password: 'wonderland-42' };
const SCOPES = ['openid', 'profile', 'email', 'offline_access'];

/** A site's confidential client: authorization code + refresh token, one exact redirect URI. */
const site = (clientId: string, redirectUri: string) => ({
  client_id: clientId,
  client_secret: `${clientId}-secret-0123456789abcdefghijklmn`,
  grant_types: ['authorization_code', 'refresh_token'],
  redirect_uris: [redirectUri],
});

let gatehouse: LocalGatehouse;
let notes: OAuth2Client;
let shop: OAuth2Client;

beforeAll(async () => {
  gatehouse = await startLocalGatehouse({
    clients: [site('notes', NOTES_CALLBACK), site('shop', SHOP_CALLBACK)],
    users: [{ ...ALICE, email: 'alice@example.com', name: 'Alice Liddell' }],
  });
  clearDiscoveryCache();
  notes = await createOAuth2ClientFromDiscovery(
    gatehouse.issuer,
    { clientId: 'notes', clientSecret: 'notes-secret-0123456789abcdefghijklmn' },
    { redirectUri: NOTES_CALLBACK },
  );
  shop = await createOAuth2ClientFromDiscovery(
    gatehouse.issuer,
    { clientId: 'shop', clientSecret: 'shop-secret-0123456789abcdefghijklmn' },
    { redirectUri: SHOP_CALLBACK },
  );
}, 60_000);
afterAll(async () => {
  await gatehouse?.close();
});

/** The browser's part: open the authorization URL, sign in and consent, stop at the site's callback. */
async function userSignsIn(browser: HttpUserAgent, authorizationUrl: string, callback: string) {
  const walk = await browser.walk(authorizationUrl, {
    credentials: ALICE,
    consent: 'approve',
    stopAt: (url) => url.href.startsWith(`${callback}?`),
  });
  expect(walk.page.status, `ended on ${walk.page.url.href}: ${walk.page.body.slice(0, 300)}`).toBe(0);
  return { callbackUrl: walk.page.url, submitted: walk.submitted };
}

describe('@gatehouse/client against @gatehouse/server: authorization code + PKCE', () => {
  const browser = new HttpUserAgent();
  // One flow object for building the URL and handling its callback: it keeps state, verifier and nonce.
  let flow: AuthorizationCodeFlow;
  let request: AuthorizationRequest;
  let callbackUrl: URL;
  let tokens: AuthorizationResult;

  it('the user signs in on the login page, consents, and the site gets code, state and iss', async () => {
    flow = notes.authorizationCodePkce();
    request = await flow.buildAuthorizationUrl({ scopes: SCOPES });
    const sent = new URL(request.url).searchParams;
    expect(sent.get('code_challenge_method')).toBe('S256');
    expect(sent.get('state')).toBe(request.state);
    expect(sent.get('nonce')).toBe(request.nonce);

    const signIn = await userSignsIn(browser, request.url, NOTES_CALLBACK);
    callbackUrl = signIn.callbackUrl;
    expect(signIn.submitted).toEqual(['login', 'consent']);
    expect(browser.cookies('127.0.0.1').has('gh_session')).toBe(true);
    expect(callbackUrl.searchParams.get('state')).toBe(request.state);
    expect(callbackUrl.searchParams.get('iss')).toBe(gatehouse.issuer); // RFC 9207
    expect(callbackUrl.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('handleCallback exchanges the code (with the PKCE verifier) and validates the ID token', async () => {
    tokens = await flow.handleCallback(callbackUrl);
    expect(tokens.tokenType.toLowerCase()).toBe('bearer');
    expect(tokens.refreshToken).toBeTruthy();
    expect(tokens.scopes).toEqual(SCOPES);
    const claims = tokens.idTokenClaims;
    expect(claims).toMatchObject({ iss: gatehouse.issuer, aud: 'notes', nonce: request.nonce });
    expect(typeof claims?.sub).toBe('string');
    expect(typeof claims?.['sid']).toBe('string');
    expect(Math.abs(Number(claims?.['auth_time']) - Date.now() / 1000)).toBeLessThan(120);
    // OIDC Core §3.1.3.6: at_hash = left half of SHA-256(access token), base64url.
    const atHash = createHash('sha256').update(tokens.accessToken).digest().subarray(0, 16);
    expect(claims?.['at_hash']).toBe(atHash.toString('base64url'));
  });

  it('a callback whose iss is not the issuer is refused before the code is sent (RFC 9207)', async () => {
    const other = await flow.buildAuthorizationUrl({ scopes: ['openid'] });
    const forged = new URL(NOTES_CALLBACK);
    forged.searchParams.set('code', 'x'.repeat(43));
    forged.searchParams.set('state', other.state);
    forged.searchParams.set('iss', 'https://attacker.example');
    await expect(flow.handleCallback(forged)).rejects.toMatchObject({ code: 'iss_mismatch' });
  });

  it('an ID token whose nonce is not the one the site sent is rejected (OIDC Core §3.1.3.7)', async () => {
    const other = notes.authorizationCodePkce();
    const req = await other.buildAuthorizationUrl({ scopes: ['openid'] });
    const { callbackUrl: cb } = await userSignsIn(browser, req.url, NOTES_CALLBACK);
    await expect(
      other.exchangeCode(cb.searchParams.get('code') ?? '', {
        codeVerifier: req.codeVerifier ?? '',
        nonce: `${req.nonce}-not`,
      }),
    ).rejects.toMatchObject({ name: ProtocolError.name, code: 'nonce_mismatch' });
  });

  it('userinfo returns the signed-in user for the ID token subject', async () => {
    const me = await notes.userinfo(tokens.accessToken);
    expect(me).toEqual({
      sub: tokens.idTokenClaims?.sub,
      preferred_username: 'alice',
      name: 'Alice Liddell',
      email: 'alice@example.com',
      email_verified: false,
    });
  });

  it('refresh rotates the refresh token; the old one is then rejected and revokes the grant', async () => {
    const first = tokens.refreshToken ?? '';
    const next = await notes.refresh(first);
    expect(next.accessToken).not.toBe(tokens.accessToken);
    expect(next.refreshToken).toBeTruthy();
    expect(next.refreshToken).not.toBe(first);
    expect(await notes.userinfo(next.accessToken)).toMatchObject({ sub: tokens.idTokenClaims?.sub });

    await expect(notes.refresh(first)).rejects.toMatchObject({
      name: TokenError.name,
      code: 'invalid_grant',
    });
    // Reuse of a rotated token revokes the whole family (RFC 9700 §4.14.2): the newest one too.
    await expect(notes.refresh(next.refreshToken ?? '')).rejects.toMatchObject({ code: 'invalid_grant' });
    expect(await notes.introspection().introspect({ token: next.accessToken })).toMatchObject({
      active: false,
    });
  });

  it('a second site signs the same browser in without a password (SSO), asking only for consent', async () => {
    const shopFlow = shop.authorizationCodePkce();
    const shopRequest = await shopFlow.buildAuthorizationUrl({ scopes: ['openid', 'profile'] });
    const signIn = await userSignsIn(browser, shopRequest.url, SHOP_CALLBACK);
    expect(signIn.submitted).toEqual(['consent']);
    const shopTokens = await shopFlow.handleCallback(signIn.callbackUrl);
    expect(shopTokens.idTokenClaims).toMatchObject({
      aud: 'shop',
      sub: tokens.idTokenClaims?.sub,
      sid: tokens.idTokenClaims?.['sid'],
    });
    // Consent is remembered: a second sign-in at the same site goes straight back to the callback.
    const again = await shopFlow.buildAuthorizationUrl({ scopes: ['openid', 'profile'] });
    expect((await userSignsIn(browser, again.url, SHOP_CALLBACK)).submitted).toEqual([]);
  });

  it('a revoked user access token is inactive at introspection and refused by userinfo', async () => {
    const fresh = notes.authorizationCodePkce();
    const req = await fresh.buildAuthorizationUrl({ scopes: ['openid', 'profile'] });
    const { callbackUrl: cb } = await userSignsIn(browser, req.url, NOTES_CALLBACK);
    const { accessToken } = await fresh.handleCallback(cb);
    expect(await notes.introspection().introspect({ token: accessToken })).toMatchObject({
      active: true,
      clientId: 'notes',
      sub: tokens.idTokenClaims?.sub,
    });
    await notes.revocation().revoke({ token: accessToken, tokenTypeHint: 'access_token' });
    expect(await notes.introspection().introspect({ token: accessToken })).toMatchObject({ active: false });
    await expect(notes.userinfo(accessToken)).rejects.toMatchObject({
      name: TokenError.name,
      code: 'invalid_token',
    });
  });
  it('a replayed callback is refused: state is single use, the code too, and its tokens are revoked', async () => {
    const replayFlow = notes.authorizationCodePkce();
    const req = await replayFlow.buildAuthorizationUrl({ scopes: SCOPES });
    const { callbackUrl: cb } = await userSignsIn(browser, req.url, NOTES_CALLBACK);
    const issued = await replayFlow.handleCallback(cb);
    await expect(replayFlow.handleCallback(cb)).rejects.toMatchObject({
      name: AuthorizationError.name,
      code: 'state_mismatch',
    });
    // Past the client's state check (an attacker holding the code and the verifier): the server refuses
    // the second redemption and revokes what the first one issued (RFC 6749 §4.1.2, RFC 9700 §4.5).
    await expect(
      replayFlow.exchangeCode(cb.searchParams.get('code') ?? '', { codeVerifier: req.codeVerifier ?? '' }),
    ).rejects.toMatchObject({ name: TokenError.name, code: 'invalid_grant' });
    expect(await notes.introspection().introspect({ token: issued.accessToken })).toMatchObject({
      active: false,
    });
    await expect(notes.refresh(issued.refreshToken ?? '')).rejects.toMatchObject({ code: 'invalid_grant' });
  });
  // RFC 7009 §2.1: a server that issues refresh tokens MUST support revoking them.
  it('a revoked refresh token can no longer be used (RFC 7009 §2.1)', async () => {
    const revokeFlow = notes.authorizationCodePkce();
    const req = await revokeFlow.buildAuthorizationUrl({ scopes: SCOPES });
    const { callbackUrl: cb } = await userSignsIn(browser, req.url, NOTES_CALLBACK);
    const { refreshToken } = await revokeFlow.handleCallback(cb);
    expect(refreshToken).toBeTruthy();
    await notes.revocation().revoke({ token: refreshToken ?? '', tokenTypeHint: 'refresh_token' });
    await expect(notes.refresh(refreshToken ?? '')).rejects.toMatchObject({
      name: TokenError.name,
      code: 'invalid_grant',
    });
  });
});
