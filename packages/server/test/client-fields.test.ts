import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { testApp } from './support/app.js';
import { runCli as run } from './support/cli.js';

const SECRET = 'x'.repeat(40);
const tmp = () => mkdtempSync(join(tmpdir(), 'gh-client-fields-'));

async function ecKeys() {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { publicJwk: await exportJWK(publicKey), privateJwk: await exportJWK(privateKey) };
}

const withClient = (client: Record<string, unknown>) => () =>
  loadConfig({ env: { JWT_SECRET: SECRET }, overrides: { clients: [{ client_id: 'c', ...client }] } });

describe('client fields in the configuration', () => {
  it('reads client_name, post_logout_redirect_uris and jwks_uri from YAML', () => {
    const dir = tmp();
    const file = join(dir, 'gatehouse.yaml');
    writeFileSync(
      file,
      [
        `security:\n  jwt_secret: ${SECRET}`,
        'clients:',
        '  - client_id: notes',
        '    client_name: Notes',
        '    client_secret: a-client-secret-of-32-characters',
        '    redirect_uris: [https://notes.example.com/cb]',
        '    post_logout_redirect_uris: [https://notes.example.com/bye]',
        '  - client_id: batch',
        '    token_endpoint_auth_method: private_key_jwt',
        '    jwks_uri: https://batch.example.com/jwks.json',
        '',
      ].join('\n'),
    );
    const c = loadConfig({ env: { APP_CONFIG: file } });
    expect(c.clients[0]).toMatchObject({
      client_name: 'Notes',
      post_logout_redirect_uris: ['https://notes.example.com/bye'],
    });
    expect(c.clients[1]).toMatchObject({ jwks_uri: 'https://batch.example.com/jwks.json' });
  });

  it('requires exactly one key source for private_key_jwt and no secret', async () => {
    const { publicJwk } = await ecKeys();
    const pkj = { token_endpoint_auth_method: 'private_key_jwt' };
    expect(withClient({ ...pkj, jwks: { keys: [publicJwk] } })).not.toThrow();
    expect(withClient(pkj)).toThrow(
      /clients\.0\.jwks: private_key_jwt needs exactly one of jwks \/ jwks_uri/,
    );
    expect(
      withClient({ ...pkj, jwks: { keys: [publicJwk] }, jwks_uri: 'https://a.example.com/jwks' }),
    ).toThrow(/exactly one of jwks/);
    expect(withClient({ ...pkj, jwks: { keys: [publicJwk] }, client_secret: 's' })).toThrow(
      /client_secret is only allowed for client_secret_basic/,
    );
    expect(withClient({ client_secret: 's', jwks: { keys: [publicJwk] } })).toThrow(/jwks/);
  });

  it('rejects private or symmetric keys in jwks and a plain-http jwks_uri off localhost', async () => {
    const { privateJwk } = await ecKeys();
    const pkj = { token_endpoint_auth_method: 'private_key_jwt' };
    expect(withClient({ ...pkj, jwks: { keys: [privateJwk] } })).toThrow(/must be a public key/);
    expect(withClient({ ...pkj, jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } })).toThrow(/jwks\.keys\.0/);
    expect(withClient({ ...pkj, jwks_uri: 'http://keys.example.com/jwks' })).toThrow(
      /must be an https:\/\/ URL/,
    );
    expect(withClient({ ...pkj, jwks_uri: 'http://127.0.0.1:8080/jwks' })).not.toThrow();
  });

  it('stores the fields and reads them back', async () => {
    const { publicJwk } = await ecKeys();
    const t = await testApp({
      clients: [
        {
          client_id: 'web',
          client_secret: 'a-client-secret-of-32-characters',
          client_name: 'Web',
          redirect_uris: ['https://web.example.com/cb'],
          post_logout_redirect_uris: ['https://web.example.com/bye'],
        },
        { client_id: 'pkj', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [publicJwk] } },
      ],
    });
    try {
      expect(await t.ctx.clients.find('web')).toMatchObject({
        clientName: 'Web',
        postLogoutRedirectUris: ['https://web.example.com/bye'],
        jwks: null,
        jwksUri: null,
      });
      expect(await t.ctx.clients.find('pkj')).toMatchObject({
        clientName: null,
        postLogoutRedirectUris: [],
        secretHash: null,
        jwks: { keys: [expect.objectContaining({ kty: 'EC', x: publicJwk.x })] },
      });
    } finally {
      await t.close();
    }
  });
});

describe('gatehouse clients create with the client fields', () => {
  it('creates a private_key_jwt client from a JWK Set file, with a name and a logout URI', async () => {
    const dir = tmp();
    const env = { DATA_DIR: dir, JWT_SECRET: SECRET };
    const { publicJwk, privateJwk } = await ecKeys();
    const jwksFile = join(dir, 'jwks.json');
    writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...publicJwk, kid: 'k1' }] }));
    const created = await run(
      [
        'clients',
        'create',
        'batch',
        '--auth-method',
        'private_key_jwt',
        '--jwks-file',
        jwksFile,
        '--name',
        'Batch jobs',
        '--post-logout-redirect-uri',
        'https://batch.example.com/bye',
      ],
      env,
    );
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toEqual({ client_id: 'batch' }); // no secret for private_key_jwt
    const list = JSON.parse((await run(['clients', 'list'], env)).stdout) as Record<string, unknown>[];
    expect(list).toEqual([
      expect.objectContaining({
        clientId: 'batch',
        tokenEndpointAuthMethod: 'private_key_jwt',
        clientName: 'Batch jobs',
        postLogoutRedirectUris: ['https://batch.example.com/bye'],
        jwks: { keys: [expect.objectContaining({ kid: 'k1' })] },
      }),
    ]);

    writeFileSync(jwksFile, JSON.stringify({ keys: [privateJwk] }));
    const refused = await run(
      ['clients', 'create', 'leaky', '--auth-method', 'private_key_jwt', '--jwks-file', jwksFile],
      env,
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('must be a public key');
    expect(refused.stderr).not.toContain(String(privateJwk.d));
    const noKeys = await run(['clients', 'create', 'nokeys', '--auth-method', 'private_key_jwt'], env);
    expect(noKeys.code).toBe(2);
    expect(noKeys.stderr).toContain('exactly one of jwks / jwks_uri');
  }, 120_000);
});
