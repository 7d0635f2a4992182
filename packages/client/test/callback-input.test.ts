import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CallbackParams } from '../src/flows/callback.js';
import {
  AuthorizationError,
  ConfigurationError,
  createOAuth2Client,
  type OAuth2Client,
} from '../src/index.js';
import { type LocalServer, startLocalServer } from './support/local-server.js';

let server: LocalServer;
let client: OAuth2Client;
beforeEach(async () => {
  server = await startLocalServer((_req, res) => {
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end('{"access_token":"at","token_type":"Bearer"}');
  });
  client = createOAuth2Client({
    clientId: 'app',
    issuer: server.url,
    tokenEndpoint: `${server.url}/token`,
    authorizationEndpoint: `${server.url}/authorize`,
    redirectUri: 'http://127.0.0.1/cb',
  });
});
afterEach(async () => {
  await server.close();
});

describe('callback parameters that appear more than once (RFC 6749 §3.1)', () => {
  it('an array state, as Express req.query gives for ?state=a&state=b, is an AuthorizationError', async () => {
    const flow = client.authorizationCodePkce();
    const { state } = await flow.buildAuthorizationUrl({ scopes: ['api'] });
    const fromExpress = { code: 'c', state: [state, 'x'] } as unknown as CallbackParams;
    const error = await flow.handleCallback(fromExpress).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthorizationError);
    expect(error).toMatchObject({ code: 'invalid_request', message: expect.stringContaining('state') });
    // Refused before the state was looked up: it is not spent, and nothing was sent.
    expect(server.requests).toHaveLength(0);
    expect((await flow.handleCallback({ code: 'c', state })).accessToken).toBe('at');
  });

  it('a URL with a repeated parameter is refused, not read as its first value', async () => {
    const flow = client.authorizationCodePkce();
    const { state } = await flow.buildAuthorizationUrl({ scopes: ['api'] });
    const url = new URL(`http://127.0.0.1/cb?code=c1&code=c2&state=${state}`);
    await expect(flow.handleCallback(url)).rejects.toMatchObject({
      name: 'AuthorizationError',
      code: 'invalid_request',
    });
    expect(server.requests).toHaveLength(0);
  });
});

describe('RFC 9207 without an issuer to compare with', () => {
  it('authorizationResponseIssParameterSupported without issuer is a configuration error', () => {
    const config = {
      clientId: 'app',
      tokenEndpoint: `${server.url}/token`,
      authorizationEndpoint: `${server.url}/authorize`,
      redirectUri: 'http://127.0.0.1/cb',
      authorizationResponseIssParameterSupported: true,
    };
    expect(() => createOAuth2Client(config)).toThrow(ConfigurationError);
    expect(() => createOAuth2Client(config)).toThrow(/issuer is required/);
    expect(() => createOAuth2Client({ ...config, issuer: server.url })).not.toThrow();
  });
});
