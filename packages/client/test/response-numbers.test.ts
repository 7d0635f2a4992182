import { afterEach, describe, expect, it } from 'vitest';
import { createOAuth2Client, ProviderError } from '../src/index.js';
import { type LocalServer, sendJson, startJsonServer, startLocalServer } from './support/local-server.js';

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Every request gets `status`, `headers` and the JSON `body`. */
async function answering(body: Record<string, unknown>, status = 200, headers: Record<string, string> = {}) {
  server = await startJsonServer(body, status, headers);
  return createOAuth2Client({
    clientId: 'c',
    clientSecret: 's',
    tokenEndpoint: `${server.url}/token`,
    deviceAuthorizationEndpoint: `${server.url}/device`,
    resilience: false,
  });
}

const deviceBody = (extra: Record<string, unknown>) => ({
  device_code: 'dc',
  user_code: 'U',
  verification_uri: 'https://x/device',
  ...extra,
});

describe('device authorization numbers (RFC 8628 §3.2)', () => {
  it.each([
    ['a non-numeric string', 5, 'soon'],
    ['null', 5, null],
    ['an empty string', 5, ''],
    ['a negative number', 5, -3],
    ['absent', 5, undefined],
    ['a numeric string', 7, '7'],
    ['a number', 2, 2],
  ])(
    'interval that is %s becomes %s s (never NaN: the poll loop would spin)',
    async (_name, expected, interval) => {
      const client = await answering(deviceBody({ expires_in: 300, interval }));
      const response = await client.deviceAuthorization().requestDeviceCode();
      expect(response.interval).toBe(expected);
    },
  );

  it.each([
    ['a non-numeric string', 600, 'later'],
    ['null', 600, null],
    ['zero', 600, 0],
    ['a numeric string', 900, '900'],
  ])('expires_in that is %s becomes %s s', async (_name, expected, expiresIn) => {
    const client = await answering(deviceBody({ expires_in: expiresIn }));
    expect((await client.deviceAuthorization().requestDeviceCode()).expiresIn).toBe(expected);
  });
});

describe('token response expires_in (RFC 6749 §5.1)', () => {
  it.each([
    ['null', undefined, null],
    ['an empty string', undefined, ''],
    ['a blank string', undefined, '  '],
    ['a non-numeric string', undefined, 'an hour'],
    ['negative', undefined, -1],
    ['a boolean', undefined, true],
    ['a numeric string', 3600, '3600'],
    ['a number', 120, 120],
    ['zero', 0, 0],
  ])(
    'expires_in that is %s is read as %s (absent, never 0 = already expired)',
    async (_name, expected, expiresIn) => {
      const client = await answering({ access_token: 'at', token_type: 'Bearer', expires_in: expiresIn });
      expect((await client.clientCredentials().requestToken()).expiresIn).toBe(expected);
    },
  );

  it('the token manager keeps using a token whose expires_in was null instead of renewing on every call', async () => {
    let issued = 0;
    server = await startLocalServer((_req, res) => {
      issued++;
      sendJson(res, { access_token: `at-${issued}`, token_type: 'Bearer', expires_in: null });
    });
    const client = createOAuth2Client({
      clientId: 'c',
      clientSecret: 's',
      tokenEndpoint: `${server.url}/token`,
    });
    for (let i = 0; i < 3; i++) expect((await client.tokens().getAccessToken('svc')).token).toBe('at-1');
    expect(issued).toBe(1);
  });
});

describe('Retry-After as an HTTP date (RFC 9110 §10.2.3)', () => {
  it('a 429 with an HTTP-date Retry-After keeps retryAfterSecs', async () => {
    const date = new Date(Date.now() + 120_000).toUTCString();
    const client = await answering({}, 429, { 'retry-after': date });
    const error = await client
      .clientCredentials()
      .requestToken()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'rate_limited' });
    expect((error as ProviderError).retryAfterSecs).toBeGreaterThanOrEqual(118);
    expect((error as ProviderError).retryAfterSecs).toBeLessThanOrEqual(120);
  });

  it('an error body with an HTTP-date Retry-After keeps retryAfterSecs too', async () => {
    const date = new Date(Date.now() + 60_000).toUTCString();
    const client = await answering({ error: 'temporarily_unavailable' }, 503, { 'retry-after': date });
    const error = await client
      .clientCredentials()
      .requestToken()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'temporarily_unavailable' });
    expect((error as ProviderError).retryAfterSecs).toBeGreaterThanOrEqual(58);
  });

  it('delta-seconds still work, and garbage is ignored', async () => {
    const client = await answering({}, 429, { 'retry-after': '30' });
    await expect(client.clientCredentials().requestToken()).rejects.toMatchObject({ retryAfterSecs: 30 });
    await server?.close();
    const other = await answering({}, 429, { 'retry-after': 'tomorrow-ish' });
    const error = (await other
      .clientCredentials()
      .requestToken()
      .catch((e: unknown) => e)) as ProviderError;
    expect(error.retryAfterSecs).toBeUndefined();
  });
});
