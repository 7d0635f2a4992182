/**
 * redirect_uri is compared as a string (RFC 9700 §4.1.3, OAuth 2.1 §2.3.1); only public clients get the
 * any-port rule for loopback IP literals (RFC 8252 §7.3), and then only the port may differ.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redirectUriMatches } from '../src/service/authorization/authorization-request.js';
import { type TestApp, testApp } from './support/app.js';
import { authorizeUrl, pkce } from './support/form-login.js';

const REGISTERED = 'http://127.0.0.1:9/cb';
const CONFIDENTIAL = {
  client_id: 'loopback-web',
  client_secret: 'loopback-web-secret-0123456789abcdef',
  grant_types: ['authorization_code'],
  redirect_uris: [REGISTERED],
};
const PUBLIC = {
  client_id: 'loopback-native',
  token_endpoint_auth_method: 'none',
  grant_types: ['authorization_code'],
  redirect_uris: [REGISTERED, 'http://[::1]/cb?app=1'],
};

/** Spellings a URL parser takes for the registered URI (or close to it): each must be refused. */
const BYPASSES = [
  'http://127.0.0.1:9/x/../cb',
  'http://127.0.0.1:9/./cb',
  'http://127.0.0.1:9/%2e/cb',
  'http://127.0.0.1:9\\cb',
  'HTTP://127.0.0.1:9/cb',
  'http://127.1:9/cb',
  'http://0x7f.0.0.1:9/cb',
  'http://2130706433:9/cb',
  'http://0177.0.0.1:9/cb',
  'http://localhost:9/cb',
  'http://[::ffff:127.0.0.1]:9/cb',
  'http://127.0.0.1:9/cb#',
  'http://127.0.0.1:9/cb?',
  'http://127.0.0.1:9/cb/',
  'http://127.0.0.1:9//cb',
  'http://127.0.0.1:9/CB',
  'http://127.0.0.1:9/%63b',
  'http://127.0.0.1:09/cb',
  'http://127.0.0.1:9@evil.example.com/cb',
  'http://user@127.0.0.1:9/cb',
  ' http://127.0.0.1:9/cb',
  'http://127.0.0.1:9/cb ',
  '\0http://127.0.0.1:9/cb',
  'http://127.0.0.1:9/cb\0',
  'http://127.0.0.1:9/cb\n',
  '\thttp://127.0.0.1:9/cb',
];

/** Port changes of the bypasses: the port is the one thing a public client may vary. */
const PORT_BYPASSES = [
  'http://127.0.0.1:5000/x/../cb',
  'http://127.0.0.1:5000/cb#',
  'http://127.0.0.1:5000/cb?',
  'http://127.1:5000/cb',
  'http://127.0.0.1:65536/cb',
  'http://127.0.0.1:0/cb',
  'http://127.0.0.1:5000\\cb',
  'http://127.0.0.1:5000/cb ',
  'https://127.0.0.1:5000/cb',
  'http://[::1]:5000/cb',
  'http://[::1]:5000/cb?app=1&x=2',
  'http://[0:0:0:0:0:0:0:1]:5000/cb?app=1',
];

describe('redirect_uri exact string comparison', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({ clients: [CONFIDENTIAL, PUBLIC] });
  });
  afterAll(() => t.close());

  const authorize = (clientId: string, redirectUri: string) =>
    t.app.inject({
      method: 'GET',
      url: authorizeUrl({
        response_type: 'code',
        client_id: clientId,
        redirect_uri: redirectUri,
        code_challenge: pkce().challenge,
        code_challenge_method: 'S256',
        state: 's',
      }),
    });

  const expectErrorPage = async (clientId: string, redirectUri: string) => {
    const res = await authorize(clientId, redirectUri);
    expect({ redirectUri, status: res.statusCode, location: res.headers.location }).toEqual({
      redirectUri,
      status: 400,
      location: undefined,
    });
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('not registered');
  };

  it('refuses every other spelling of the registered URI, for confidential and public clients', async () => {
    for (const uri of BYPASSES) {
      await expectErrorPage('loopback-web', uri);
      await expectErrorPage('loopback-native', uri);
    }
  });

  it('lets a public client vary the loopback port, and nothing else', async () => {
    for (const uri of PORT_BYPASSES) await expectErrorPage('loopback-native', uri);
    for (const uri of ['http://127.0.0.1:5000/cb', 'http://127.0.0.1/cb', 'http://[::1]:61000/cb?app=1']) {
      const res = await authorize('loopback-native', uri);
      // The request goes on to the login page: the redirect URI was accepted.
      expect({ uri, status: res.statusCode }).toEqual({ uri, status: 200 });
    }
  });

  it('keeps a confidential client to its registered port (RFC 8252 §7.3 is for native apps)', async () => {
    for (const uri of ['http://127.0.0.1:5000/cb', 'http://127.0.0.1/cb']) {
      await expectErrorPage('loopback-web', uri);
    }
    expect((await authorize('loopback-web', REGISTERED)).statusCode).toBe(200);
  });

  it('compares without parsing, whatever the client', () => {
    const none = { tokenEndpointAuthMethod: 'none' } as const;
    const basic = { tokenEndpointAuthMethod: 'client_secret_basic' } as const;
    expect(redirectUriMatches(basic, REGISTERED, REGISTERED)).toBe(true);
    expect(redirectUriMatches(basic, REGISTERED, 'http://127.0.0.1:10/cb')).toBe(false);
    expect(redirectUriMatches(none, REGISTERED, 'http://127.0.0.1:10/cb')).toBe(true);
    expect(redirectUriMatches(none, 'http://localhost:9/cb', 'http://localhost:10/cb')).toBe(false);
    expect(redirectUriMatches(none, 'https://app.example.com/cb', 'https://app.example.com/./cb')).toBe(
      false,
    );
  });
});
