import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOAuth2Client, type OAuth2ClientConfig, WellKnownProviders } from '../src/index.js';
import { type LocalServer, startLocalServer } from './support/local-server.js';

/** What the next request to the local provider answers (JSON, 200). */
let answer: Record<string, unknown> = {};
let server: LocalServer;
beforeEach(async () => {
  server = await startLocalServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  });
});
afterEach(async () => {
  await server.close();
});

/** A preset's client whose HTTPS endpoints are routed to the local server (same path). */
function presetClient(config: Omit<OAuth2ClientConfig, 'clientId'>) {
  return createOAuth2Client({
    ...config,
    clientId: 'id',
    clientSecret: 'secret',
    fetch: (input, init) => fetch(`${server.url}${new URL(String(input)).pathname}`, init),
  });
}

/** Google's documented device authorization response (developers.google.com, "limited-input devices"). */
const GOOGLE_DEVICE_RESPONSE = {
  device_code: '4/4-GMMhmHCXhWEzkobqIHGG_EnNYYsAkukHspeYUk9E8',
  user_code: 'GQVQ-JKEC',
  verification_url: 'https://www.google.com/device',
  expires_in: 1800,
  interval: 5,
};

describe('device authorization: verification_uri under another name (compat.verificationUriField)', () => {
  it("the Google preset reads Google's verification_url", async () => {
    answer = GOOGLE_DEVICE_RESPONSE;
    const code = await presetClient(WellKnownProviders.google().config)
      .deviceAuthorization()
      .requestDeviceCode({ scopes: ['email'] });
    expect(code).toMatchObject({ userCode: 'GQVQ-JKEC', verificationUri: 'https://www.google.com/device' });
  });

  it('without the setting a response lacking verification_uri is still rejected (RFC 8628 §3.2)', async () => {
    answer = GOOGLE_DEVICE_RESPONSE;
    const client = createOAuth2Client({
      clientId: 'id',
      tokenEndpoint: `${server.url}/token`,
      deviceAuthorizationEndpoint: `${server.url}/device`,
    });
    await expect(client.deviceAuthorization().requestDeviceCode()).rejects.toMatchObject({
      name: 'ProtocolError',
      code: 'invalid_response',
    });
  });

  it('a standard verification_uri wins over the configured alias', async () => {
    answer = { ...GOOGLE_DEVICE_RESPONSE, verification_uri: 'https://example.com/activate' };
    const code = await presetClient(WellKnownProviders.google().config)
      .deviceAuthorization()
      .requestDeviceCode();
    expect(code.verificationUri).toBe('https://example.com/activate');
  });
});

describe('token response scope separated by commas (compat.commaSeparatedScopes)', () => {
  /** GitHub's documented token response (docs.github.com, "Authorizing OAuth apps"). */
  const GITHUB_TOKEN_RESPONSE = {
    access_token: 'gho_16C7e42F292c6912E7710c838347Ae178B4a',
    scope: 'repo,gist',
    token_type: 'bearer',
  };

  it('the GitHub preset splits "repo,gist" into two scopes', async () => {
    answer = GITHUB_TOKEN_RESPONSE;
    const client = presetClient({
      ...WellKnownProviders.github().config,
      redirectUri: 'http://127.0.0.1/cb',
    });
    expect((await client.authorizationCode().exchangeCode('the-code')).scopes).toEqual(['repo', 'gist']);
  });

  it('without the setting, scope is split on spaces only (RFC 6749 §3.3)', async () => {
    answer = { ...GITHUB_TOKEN_RESPONSE, scope: 'a,b c' };
    const client = createOAuth2Client({
      clientId: 'id',
      clientSecret: 's',
      tokenEndpoint: `${server.url}/token`,
    });
    expect((await client.clientCredentials().requestToken()).scopes).toEqual(['a,b', 'c']);
  });
});
