import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli as run } from './support/cli.js';

describe('gatehouse CLI', () => {
  it('exits non-zero naming the key and reason for invalid configuration', async () => {
    const res = await run(['migrate'], { SERVER__PORT: 'banana', JWT_SECRET: 'x'.repeat(40) });
    expect(res.code).toBe(78);
    expect(res.stderr).toContain('server.port');
  });

  it('manages clients and keys against an embedded database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-cli-'));
    const env = { DATA_DIR: dir, JWT_SECRET: 'y'.repeat(40) };
    expect((await run(['migrate'], env)).code).toBe(0);
    const created = await run(
      [
        'clients',
        'create',
        'svc',
        '--scope',
        'read',
        '--scope',
        'write',
        '--resource',
        'https://api.example.com',
      ],
      env,
    );
    expect(created.code).toBe(0);
    const { client_secret } = JSON.parse(created.stdout) as { client_secret: string };
    expect(client_secret.length).toBeGreaterThan(20);
    const list = JSON.parse((await run(['clients', 'list'], env)).stdout) as {
      clientId: string;
      scopes: string[];
    }[];
    expect(list).toEqual([
      expect.objectContaining({
        clientId: 'svc',
        scopes: ['read', 'write'],
        resources: ['https://api.example.com'],
      }),
    ]);
    expect(JSON.stringify(list)).not.toContain(client_secret);
    const rotated = JSON.parse((await run(['clients', 'rotate-secret', 'svc'], env)).stdout) as {
      client_secret: string;
    };
    expect(rotated.client_secret).not.toBe(client_secret);
    const rotatedKey = JSON.parse((await run(['keys', 'rotate'], env)).stdout) as {
      kid: string;
      status: string;
    };
    expect(rotatedKey.status).toBe('next');
    const keys = JSON.parse((await run(['keys', 'list'], env)).stdout) as { kid: string; status: string }[];
    expect(keys.find((k) => k.kid === rotatedKey.kid)?.status).toBe('next');
    // With no publication delay the next start (or reload) makes it the signing key.
    const now = { ...env, OAUTH__KEY_PUBLISH_DELAY_SECS: '0' };
    const after = JSON.parse((await run(['keys', 'list'], now)).stdout) as { kid: string; status: string }[];
    expect(after.find((k) => k.status === 'active')?.kid).toBe(rotatedKey.kid);
    expect((await run(['users', 'create', 'alice', '--password', 'correct-horse'], env)).code).toBe(0);
    expect((await run(['users', 'set-password', 'alice', '--password', 'battery-staple'], env)).code).toBe(0);
    expect((await run(['clients', 'delete', 'svc'], env)).code).toBe(0);
    expect((await run(['clients', 'delete', 'svc'], env)).code).toBe(1);
    expect((await run(['bogus'], env)).code).toBe(2);
  }, 120_000);
});
