import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { createOAuth2Client } from '../src/index.js';
import { type LocalServer, startJsonServer } from './support/local-server.js';

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
});

const ok = () => startJsonServer({ access_token: 'a', token_type: 'Bearer' });

describe('client assertions (RFC 7523 §3)', () => {
  it('private_key_jwt sends a fresh jti and a short exp for each request', async () => {
    server = await ok();
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const client = createOAuth2Client({
      clientId: 'svc',
      tokenEndpoint: `${server.url}/token`,
      tokenEndpointAuthMethod: 'private_key_jwt',
      privateKey: await exportJWK(privateKey),
      clientAssertionAlg: 'ES256',
      keyId: 'kid-1',
    });
    await client.clientCredentials().requestToken();
    await client.clientCredentials().requestToken();
    const assertions = server.requests.map((r) => new URLSearchParams(r.body).get('client_assertion') ?? '');
    const [a, b] = assertions.map((t) => decodeJwt(t));
    expect(decodeProtectedHeader(assertions[0] ?? '')).toMatchObject({ alg: 'ES256', kid: 'kid-1' });
    expect(a).toMatchObject({ iss: 'svc', sub: 'svc', aud: `${server.url}/token` });
    expect(a?.jti).not.toBe(b?.jti);
    expect((a?.exp ?? 0) - (a?.iat ?? 0)).toBeLessThanOrEqual(60);
    expect(new URLSearchParams(server.requests[0]?.body).get('client_assertion_type')).toBe(
      'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    );
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('client_secret_post puts credentials in the body and none sends only client_id', async () => {
    server = await ok();
    await createOAuth2Client({
      clientId: 'p',
      clientSecret: 's',
      tokenEndpoint: `${server.url}/token`,
      tokenEndpointAuthMethod: 'client_secret_post',
    })
      .clientCredentials()
      .requestToken();
    await createOAuth2Client({ clientId: 'pub', tokenEndpoint: `${server.url}/token` }).refresh('rt');
    const [post, none] = server.requests.map((r) => new URLSearchParams(r.body));
    expect(post?.get('client_id')).toBe('p');
    expect(post?.get('client_secret')).toBe('s');
    expect(none?.get('client_id')).toBe('pub');
    expect(none?.has('client_secret')).toBe(false);
    expect(server.requests[1]?.headers.authorization).toBeUndefined();
  });
});
