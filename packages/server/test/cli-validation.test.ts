import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openGatehouse } from '../src/app/gatehouse.js';
import { testConfig } from './support/app.js';
import { runCli as run } from './support/cli.js';

const env = () => ({ DATA_DIR: mkdtempSync(join(tmpdir(), 'gh-cli-')), JWT_SECRET: 'y'.repeat(40) });
/** An app context on the CLI's data folder and secret (what a node started there would see). */
const contextOn = (e: ReturnType<typeof env>) =>
  openGatehouse(
    testConfig({
      database: { url: `pglite:${join(e.DATA_DIR, 'pglite')}` },
      security: { jwt_secret: e.JWT_SECRET },
    }),
  );

describe('gatehouse CLI: usage and configuration errors', () => {
  it('exits 2 with the parse error and the usage for an unknown option or a missing value', async () => {
    const e = env();
    for (const args of [
      ['clients', 'create', 'svc', '--scopes', 'read'],
      ['users', 'create', 'alice', '--password'],
    ]) {
      const res = await run(args, e);
      expect(res.code, args.join(' ')).toBe(2);
      expect(res.stderr).toContain('usage: gatehouse');
      expect(res.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    expect((await run(['clients', 'create', 'svc', '--scopes', 'read'], e)).stderr).toContain("'--scopes'");
  });

  it('exits 78 naming log_level for an unknown LOG_LEVEL', async () => {
    const res = await run(['migrate'], { ...env(), LOG_LEVEL: 'verbose' });
    expect(res.code).toBe(78);
    expect(res.stderr).toContain('log_level');
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 78 naming the file, without a stack, for a short jwt-secret file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-cli-'));
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'jwt-secret'), '\n');
    const res = await run(['migrate'], { DATA_DIR: dir });
    expect(res.code).toBe(78);
    expect(res.stderr).toContain(join(dir, 'jwt-secret'));
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('gatehouse CLI: clients create and users create validate like the config file', () => {
  it('exits 78 naming security.jwt_secret when keys rotate runs with another secret, writing nothing', async () => {
    const e = env();
    // A node has started on this data folder: the first signing key exists, under e's secret.
    const node = await contextOn(e);
    await node.close();
    const wrong = await run(['keys', 'rotate'], { ...e, JWT_SECRET: 'z'.repeat(40) });
    expect(wrong.code).toBe(78);
    expect(wrong.stderr).toContain('security.jwt_secret cannot decrypt signing key');
    expect(wrong.stderr).not.toMatch(/\n\s+at /);
    const keys = JSON.parse((await run(['keys', 'list'], e)).stdout) as { status: string }[];
    expect(keys.map((k) => k.status)).toEqual(['active']);
  });

  it('refuses to replace an existing client unless --replace is given', async () => {
    const e = env();
    const first = await run(['clients', 'create', 'svc', '--scope', 'read'], e);
    expect(first.code).toBe(0);
    const { client_secret } = JSON.parse(first.stdout) as { client_secret: string };
    const again = await run(['clients', 'create', 'svc'], e);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('client svc exists; use clients rotate-secret, or --replace');
    const list = JSON.parse((await run(['clients', 'list'], e)).stdout) as {
      clientId: string;
      scopes: string[];
    }[];
    expect(list).toEqual([expect.objectContaining({ clientId: 'svc', scopes: ['read'] })]);
    const replaced = await run(['clients', 'create', 'svc', '--replace', '--scope', 'write'], e);
    expect(replaced.code).toBe(0);
    expect((JSON.parse(replaced.stdout) as { client_secret: string }).client_secret).not.toBe(client_secret);
    const after = JSON.parse((await run(['clients', 'list'], e)).stdout) as { scopes: string[] }[];
    expect(after[0]?.scopes).toEqual(['write']);
  }, 120_000);

  it('refuses unsupported grants and unsafe redirect URIs', async () => {
    const e = env();
    const bogus = await run(['clients', 'create', 'svc', '--grant', 'bogus'], e);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toContain('grant_types.0');
    for (const uri of ['javascript:alert(1)', 'https://app.example.com/cb#x', 'http://app.example.com/cb']) {
      const res = await run(
        ['clients', 'create', 'web', '--grant', 'authorization_code', '--redirect-uri', uri],
        e,
      );
      expect(res.code, uri).toBe(2);
      expect(res.stderr).toContain('redirect_uris.0');
    }
    const device = await run(
      ['clients', 'create', 'tv', '--grant', 'urn:ietf:params:oauth:grant-type:device_code'],
      e,
    );
    expect(device.code).toBe(0);
  }, 120_000);

  it('refuses to overwrite an existing user unless --replace is given', async () => {
    const e = env();
    expect((await run(['users', 'create', 'alice', '--password', 'first-password'], e)).code).toBe(0);
    const again = await run(['users', 'create', 'alice', '--password', 'other-password'], e);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('user alice exists; use users set-password, or --replace');
    const ctx = await contextOn(e);
    try {
      expect(await ctx.users.verifyPassword('alice', 'first-password')).toBeDefined();
      expect(await ctx.users.verifyPassword('alice', 'other-password')).toBeUndefined();
    } finally {
      await ctx.close();
    }
    const replaced = await run(
      ['users', 'create', 'alice', '--replace', '--password', 'other-password', '--name', 'Alice'],
      e,
    );
    expect(replaced.code).toBe(0);
    const after = await contextOn(e);
    try {
      expect(await after.users.verifyPassword('alice', 'other-password')).toMatchObject({ name: 'Alice' });
    } finally {
      await after.close();
    }
  }, 120_000);

  it('applies the config-file rules to users create and set-password', async () => {
    const e = env();
    const short = await run(['users', 'create', 'alice', '--password', 'x'], e);
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('password');
    const email = await run(
      ['users', 'create', 'alice', '--password', 'correct-horse', '--email', 'not-an-email'],
      e,
    );
    expect(email.code).toBe(2);
    expect(email.stderr).toContain('email');
    expect(
      (await run(['users', 'create', 'alice', '--password', 'correct-horse', '--email', 'a@example.com'], e))
        .code,
    ).toBe(0);
    expect((await run(['users', 'set-password', 'alice', '--password', 'short'], e)).code).toBe(2);
    const deleted = await run(['users', 'delete', 'alice'], e);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toContain('deleted alice');
    const again = await run(['users', 'delete', 'alice'], e);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('no such user: alice');
  }, 120_000);
});

describe('gatehouse CLI: output', () => {
  it('prints only the JSON on stdout and logs warnings to stderr (clients create without a JWT secret)', async () => {
    const res = await run(['clients', 'create', 'svc', '--scope', 'read'], {
      DATA_DIR: mkdtempSync(join(tmpdir(), 'gh-cli-')),
      LOG_LEVEL: 'warn',
    });
    expect(res.code).toBe(0);
    const printed = JSON.parse(res.stdout) as { client_id: string; client_secret: string };
    expect(printed.client_id).toBe('svc');
    expect(res.stderr).toContain('security.jwt_secret is not set');
    expect(res.stderr).not.toContain(printed.client_secret);
  });
});

describe('gatehouse CLI: clients rotate-secret', () => {
  it('refuses, exit 1 and no secret printed, for a client that does not authenticate with a secret', async () => {
    const e = env();
    const clients = [
      ['public-app', 'none', '--grant', 'authorization_code', '--redirect-uri', 'https://app.example.com/cb'],
      [
        'jwt-svc',
        'private_key_jwt',
        '--grant',
        'client_credentials',
        '--jwks-uri',
        'https://svc.example.com/jwks',
      ],
    ] as const;
    for (const [id, method, ...options] of clients) {
      const made = await run(['clients', 'create', id, '--auth-method', method, ...options], e);
      expect(made.code, made.stderr).toBe(0);
      const res = await run(['clients', 'rotate-secret', id], e);
      expect(res.code, id).toBe(1);
      expect(res.stdout).toBe('');
      expect(res.stderr).toContain(`authenticates with ${method}, not with a client secret`);
    }
    // Nothing was stored for them either.
    const ctx = await contextOn(e);
    try {
      for (const [id] of clients) expect((await ctx.clients.find(id))?.secretHash).toBeNull();
    } finally {
      await ctx.close();
    }
  });
});
