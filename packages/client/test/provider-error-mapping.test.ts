import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ConfigurationError,
  createOAuth2Client,
  NetworkError,
  ProviderError,
  TokenError,
} from '../src/index.js';
import {
  closedPortUrl,
  type LocalServer,
  startJsonServer,
  startLocalServer,
} from './support/local-server.js';

let server: LocalServer | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await server?.close();
  server = undefined;
});

/**
 * A client whose retries are quick and never wait for a `Retry-After`: the responses are mapped after the
 * same attempts, without seconds of backoff.
 */
function clientFor(url: string) {
  return createOAuth2Client({
    resilience: { retry: { initialDelayMs: 1, maxRetryAfterSecs: 0 } },
    clientId: 'app',
    clientSecret: 'secret',
    tokenEndpoint: `${url}/token`,
    revocationEndpoint: `${url}/revoke`,
    userinfoEndpoint: `${url}/userinfo`,
    authorizationEndpoint: `${url}/authorize`,
    redirectUri: 'http://127.0.0.1/cb',
  });
}

describe('provider error mapping', () => {
  it('maps 429 to ProviderError rate_limited with Retry-After', async () => {
    server = await startJsonServer({}, 429, { 'retry-after': '7' });
    const error = await clientFor(server.url)
      .clientCredentials()
      .requestToken()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'rate_limited', retryAfterSecs: 7, retryable: true });
  });

  it('maps temporarily_unavailable to a retryable ProviderError', async () => {
    server = await startJsonServer(
      { error: 'temporarily_unavailable', error_description: 'maintenance' },
      503,
    );
    const error = await clientFor(server.url)
      .clientCredentials()
      .requestToken()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({
      code: 'temporarily_unavailable',
      retryable: true,
      errorDescription: 'maintenance',
    });
  });

  it('maps a userinfo 401 to TokenError invalid_token', async () => {
    server = await startJsonServer({}, 401);
    await expect(clientFor(server.url).userinfo('at')).rejects.toMatchObject({
      name: 'TokenError',
      code: 'invalid_token',
    });
  });

  it('maps a revocation 503 to ProviderError and unsupported_token_type to TokenError', async () => {
    server = await startLocalServer((_req, res) => res.writeHead(503).end());
    await expect(clientFor(server.url).revocation().revoke({ token: 't' })).rejects.toBeInstanceOf(
      ProviderError,
    );
    await server.close();
    server = await startJsonServer({ error: 'unsupported_token_type' }, 400);
    await expect(clientFor(server.url).revocation().revoke({ token: 't' })).rejects.toBeInstanceOf(
      TokenError,
    );
  });

  it('maps connection refused to NetworkError network_error', async () => {
    const error = await clientFor(await closedPortUrl())
      .clientCredentials()
      .requestToken()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ code: 'network_error', retryable: true });
  });

  it('names a missing endpoint', async () => {
    const client = createOAuth2Client({ clientId: 'a', tokenEndpoint: 'https://idp.example/token' });
    await expect(client.introspection().introspect({ token: 't' })).rejects.toThrow(/introspectionEndpoint/);
    await expect(client.introspection().introspect({ token: 't' })).rejects.toBeInstanceOf(
      ConfigurationError,
    );
  });

  it('rejects a state older than 10 minutes', async () => {
    server = await startJsonServer({});
    const flow = clientFor(server.url).authorizationCodePkce();
    const { state } = await flow.buildAuthorizationUrl();
    const now = Date.now();
    vi.spyOn(Date, 'now').mockReturnValue(now + 11 * 60 * 1000);
    await expect(flow.handleCallback({ code: 'c', state })).rejects.toMatchObject({
      name: 'AuthorizationError',
      code: 'state_expired',
    });
  });

  it('rejects a callback without state', async () => {
    server = await startJsonServer({});
    await expect(
      clientFor(server.url).authorizationCodePkce().handleCallback({ code: 'c' }),
    ).rejects.toMatchObject({
      code: 'state_missing',
    });
  });
});
