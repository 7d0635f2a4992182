import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from './support/app.js';
import { authorizeUrl, Browser, pkce, signInThroughForms } from './support/form-login.js';

/*
 * RFC 8252 §8.6 (client impersonation): "unless the identity of the client can be proven, the request SHOULD
 * be processed as if no previous request had been approved". Any app can claim a native client's private-use
 * scheme or listen on the loopback interface, so a public client redirecting there is asked every time.
 */

const PUBLIC = { token_endpoint_auth_method: 'none', grant_types: ['authorization_code'] };
const CLIENTS = [
  { ...PUBLIC, client_id: 'native-scheme', redirect_uris: ['com.example.app:/cb'] },
  { ...PUBLIC, client_id: 'native-loopback', redirect_uris: ['http://127.0.0.1/cb'] },
  { ...PUBLIC, client_id: 'spa', redirect_uris: ['https://spa.example.com/cb'] },
];
const ALICE = { username: 'alice', password: 'correct horse battery' };

describe('remembered consent and public native clients', () => {
  let t: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    t = await testApp({ clients: CLIENTS, users: [ALICE] });
  });
  afterAll(async () => t.close());

  const params = (clientId: string, redirectUri: string, extra: Record<string, string> = {}) => ({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope: 'openid',
    code_challenge: pkce().challenge,
    code_challenge_method: 'S256',
    ...extra,
  });

  /** Signs alice in and approves `clientId` once, then returns the browser. */
  async function approvedOnce(clientId: string, redirectUri: string) {
    const b = new Browser(t);
    const res = await signInThroughForms(b, params(clientId, redirectUri), ALICE.username, ALICE.password);
    expect(new URL(res.headers.location as string).searchParams.has('code')).toBe(true);
    return b;
  }

  it.each([
    ['native-scheme', 'com.example.app:/cb'],
    ['native-loopback', 'http://127.0.0.1:51234/cb'],
  ])('asks again after an approval for %s: prompt=none gets consent_required', async (clientId, uri) => {
    const b = await approvedOnce(clientId, uri);
    const silent = await b.request('GET', authorizeUrl(params(clientId, uri, { prompt: 'none' })));
    const q = new URL(silent.headers.location as string).searchParams;
    expect(q.get('error')).toBe('consent_required');
    expect(q.has('code')).toBe(false);
    const asked = await b.request('GET', authorizeUrl(params(clientId, uri)));
    expect(asked.statusCode).toBe(200);
    expect(asked.body).toContain('name="consent"');
  });

  it('still remembers the approval of a public client whose https redirect URI proves who it is', async () => {
    const uri = 'https://spa.example.com/cb';
    const b = await approvedOnce('spa', uri);
    const silent = await b.request('GET', authorizeUrl(params('spa', uri, { prompt: 'none' })));
    expect(new URL(silent.headers.location as string).searchParams.has('code')).toBe(true);
  });
});
