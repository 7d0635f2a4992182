/**
 * Config-file client secrets: `client_secret` of at least 32 characters, or `client_secret_hash` (the digest as
 * stored) so that the file need not hold the secret; either way the client authenticates with the secret.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { hashClientSecret } from '../src/service/crypto/secrets.js';
import { testApp } from './support/app.js';
import { configError, SECRET, yamlFile } from './support/config.js';
import { FORM } from './support/form-login.js';
import { basic } from './support/http.js';

const SHORT = 'only-31-characters-long-secret!';
const LONG = `${SHORT}x`;
const withClients = (...clients: Record<string, unknown>[]) => ({
  overrides: { security: { jwt_secret: SECRET }, clients },
});

describe('config-file client secrets', () => {
  it('refuses a client_secret shorter than 32 characters, naming the client and not the secret', () => {
    expect(SHORT).toHaveLength(31);
    const message = configError(withClients({ client_id: 'billing', client_secret: SHORT }));
    expect(message).toContain('clients.0.client_secret: client "billing": client_secret must be at least 32');
    expect(message).not.toContain(SHORT);
    // From the file too, with the secret in a YAML file.
    const fromFile = configError({
      env: yamlFile(`clients:\n  - client_id: notes\n    client_secret: change-me\n`),
    });
    expect(fromFile).toContain('client "notes": client_secret must be at least 32 characters (it has 9)');
    expect(loadConfig(withClients({ client_id: 'billing', client_secret: LONG })).clients[0]).toMatchObject({
      client_secret: LONG,
    });
  });

  it('takes client_secret_hash instead, as sha256:<base64url> and nothing else', () => {
    const hash = hashClientSecret(SHORT);
    expect(
      loadConfig(withClients({ client_id: 'billing', client_secret_hash: hash })).clients[0],
    ).toMatchObject({ client_secret_hash: hash });
    for (const bad of [
      hash.slice(7),
      `sha512:${hash.slice(7)}`,
      `${hash}=`,
      `${hash.slice(0, -1)}+`,
      'sha256:',
    ]) {
      expect(configError(withClients({ client_id: 'billing', client_secret_hash: bad }))).toContain(
        'clients.0.client_secret_hash: must be sha256: followed by 43 base64url characters',
      );
    }
  });

  it('needs exactly one of the two for a secret method, and neither for the others', () => {
    const hash = hashClientSecret(LONG);
    expect(
      configError(withClients({ client_id: 'a', client_secret: LONG, client_secret_hash: hash })),
    ).toContain('client "a": client_secret_basic needs exactly one of client_secret and client_secret_hash');
    expect(
      configError(withClients({ client_id: 'b', token_endpoint_auth_method: 'client_secret_post' })),
    ).toContain('client "b": client_secret_post needs exactly one of client_secret and client_secret_hash');
    expect(
      configError(
        withClients({
          client_id: 'native',
          token_endpoint_auth_method: 'none',
          client_secret_hash: hash,
          redirect_uris: ['http://127.0.0.1/cb'],
          grant_types: ['authorization_code'],
        }),
      ),
    ).toContain(
      'client "native": client_secret_hash is only allowed for client_secret_basic / client_secret_post',
    );
  });

  it('authenticates a client configured by its hash with the secret itself', async () => {
    const t = await testApp({
      clients: [{ client_id: 'hashed', client_secret_hash: hashClientSecret(LONG) }],
    });
    try {
      const token = (secret: string) =>
        t.app.inject({
          method: 'POST',
          url: '/api/oauth/token',
          headers: { ...FORM, authorization: basic('hashed', secret) },
          payload: 'grant_type=client_credentials',
        });
      expect((await token(LONG)).statusCode).toBe(200);
      expect((await token(SHORT)).statusCode).toBe(401);
      expect((await token(hashClientSecret(LONG))).statusCode).toBe(401);
    } finally {
      await t.close();
    }
  });
});
