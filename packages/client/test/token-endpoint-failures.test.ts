import { afterEach, describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  createOAuth2Client,
  NetworkError,
  ProtocolError,
  ProviderError,
  TokenError,
} from '../src/index.js';
import { type LocalServer, startLocalServer } from './support/local-server.js';

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const SECRET = 'super-secret-value';

/** A client of `url`'s token endpoint whose retries back off for milliseconds, not seconds. */
function clientFor(url: string, extra: { timeoutSecs?: number; maxResponseBytes?: number } = {}) {
  return createOAuth2Client({
    resilience: { retry: { initialDelayMs: 1 } },
    clientId: 'app',
    clientSecret: SECRET,
    tokenEndpoint: `${url}/token`,
    ...extra,
  });
}

function expectNoSecret(error: unknown) {
  expect(JSON.stringify((error as { toJSON(): unknown }).toJSON())).not.toContain(SECRET);
  expect(String((error as Error).message)).not.toContain(SECRET);
}

describe('token endpoint failure handling', () => {
  it('times out with NetworkError code timeout', async () => {
    server = await startLocalServer(() => {
      /* never answers */
    });
    const error = await clientFor(server.url, { timeoutSecs: 0.1 })
      .clientCredentials()
      .requestToken()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ code: 'timeout', retryable: true });
  });

  it('maps an HTML 502 page to a retryable ProviderError', async () => {
    server = await startLocalServer((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' }).end('<html><body>Bad Gateway</body></html>');
    });
    const error = await clientFor(server.url)
      .clientCredentials()
      .requestToken()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'server_error', status: 502, retryable: true });
  });

  it('maps an HTML 200 page to ProviderError invalid_response', async () => {
    server = await startLocalServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>');
    });
    const error = await clientFor(server.url)
      .clientCredentials()
      .requestToken()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'invalid_response' });
  });

  it('maps invalid_client to TokenError with the server fields and no secret', async () => {
    server = await startLocalServer((_req, res) => {
      res
        .writeHead(401, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: 'invalid_client', error_description: 'client authentication failed' }));
    });
    const error = await clientFor(server.url)
      .clientCredentials()
      .requestToken()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenError);
    expect(error).toMatchObject({
      code: 'invalid_client',
      status: 401,
      error: 'invalid_client',
      errorDescription: 'client authentication failed',
    });
    expectNoSecret(error);
  });

  it('maps invalid_grant on refresh to TokenError', async () => {
    server = await startLocalServer((_req, res) => {
      res
        .writeHead(400, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: 'invalid_grant' }));
    });
    const error = await clientFor(server.url)
      .refresh('rt-value')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenError);
    expect(error).toMatchObject({ code: 'invalid_grant', status: 400 });
    expect((error as Error).message).not.toContain('rt-value');
    const sent = new URLSearchParams(server.requests[0]?.body);
    expect(sent.get('grant_type')).toBe('refresh_token');
  });

  it('treats a 200 with error in the body as an error', async () => {
    server = await startLocalServer((_req, res) => {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: 'invalid_scope' }));
    });
    const error = await clientFor(server.url)
      .clientCredentials()
      .requestToken()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenError);
    expect(error).toMatchObject({ code: 'invalid_scope', status: 200 });
  });

  it('parses a form-encoded token response', async () => {
    server = await startLocalServer((_req, res) => {
      res
        .writeHead(200, { 'content-type': 'application/x-www-form-urlencoded' })
        .end('access_token=abc&token_type=bearer&expires_in=3600&scope=read+write');
    });
    const token = await clientFor(server.url).clientCredentials().requestToken();
    expect(token).toMatchObject({
      accessToken: 'abc',
      tokenType: 'bearer',
      expiresIn: 3600,
      scopes: ['read', 'write'],
    });
  });

  it('rejects a token response without access_token as ProtocolError', async () => {
    server = await startLocalServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"token_type":"Bearer"}');
    });
    const error = await clientFor(server.url)
      .clientCredentials()
      .requestToken()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
  });

  it('caps the response size', async () => {
    server = await startLocalServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(`{"x":"${'a'.repeat(5000)}"}`);
    });
    const error = await clientFor(server.url, { maxResponseBytes: 1000 })
      .clientCredentials()
      .requestToken()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'response_too_large' });
  });

  it('sends client_secret_basic with form-urlencoded credentials (RFC 6749 §2.3.1)', async () => {
    server = await startLocalServer((_req, res) => {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end('{"access_token":"a","token_type":"Bearer"}');
    });
    await createOAuth2Client({
      clientId: 'my app',
      clientSecret: 'p@ss:w rd',
      tokenEndpoint: `${server.url}/token`,
    })
      .clientCredentials()
      .requestToken({ scopes: ['a', 'b'], resource: 'https://api.example', audience: 'aud1' });
    const request = server.requests[0];
    const basic = Buffer.from(String(request?.headers.authorization).slice(6), 'base64').toString();
    expect(basic).toBe('my+app:p%40ss%3Aw+rd');
    const body = new URLSearchParams(request?.body);
    expect(body.get('scope')).toBe('a b');
    expect(body.get('resource')).toBe('https://api.example');
    expect(body.get('audience')).toBe('aud1');
  });

  it('uses a custom fetch from the config', async () => {
    const calls: string[] = [];
    const client = createOAuth2Client({
      clientId: 'app',
      clientSecret: SECRET,
      tokenEndpoint: 'https://idp.example/token',
      fetch: async (input) => {
        calls.push(String(input));
        return new Response('{"access_token":"x","token_type":"Bearer"}', {
          headers: { 'content-type': 'application/json' },
        });
      },
    });
    await expect(client.clientCredentials().requestToken()).resolves.toMatchObject({ accessToken: 'x' });
    expect(calls).toEqual(['https://idp.example/token']);
  });
});

describe('configuration validation', () => {
  it('requires https except loopback', () => {
    expect(() => createOAuth2Client({ clientId: 'a', tokenEndpoint: 'http://idp.example/token' })).toThrow(
      expect.objectContaining({ code: 'insecure_endpoint' }),
    );
    expect(() =>
      createOAuth2Client({ clientId: 'a', tokenEndpoint: 'http://localhost:8080/token' }),
    ).not.toThrow();
  });

  it('names the bad field', () => {
    const error = (() => {
      try {
        createOAuth2Client({ clientId: '', tokenEndpoint: 'https://idp.example/token' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain('clientId');
  });

  it('requires a secret for client_secret_post', () => {
    expect(() =>
      createOAuth2Client({
        clientId: 'a',
        tokenEndpoint: 'https://idp.example/token',
        tokenEndpointAuthMethod: 'client_secret_post',
      }),
    ).toThrow(/clientSecret/);
  });
});
