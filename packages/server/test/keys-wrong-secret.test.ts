import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openGatehouse } from '../src/app/gatehouse.js';
import { buildApp } from '../src/app/server.js';
import { ConfigError } from '../src/config/index.js';
import { createLogger } from '../src/infra/logger.js';
import { KeyRepo } from '../src/repo/keys.js';
import { signingKeys } from '../src/repo/schema.js';
import { encryptWithSecret } from '../src/service/crypto/secrets.js';
import { KeyService } from '../src/service/keys/keys.js';
import { testConfig } from './support/app.js';

/**
 * A process with another JWT secret (the CLI run without JWT_SECRET, a node with a typo) must not plant a
 * signing key the others cannot decrypt: once promoted, every node's JWKS and every new node would fail.
 */
const WRONG = 'a-different-secret-that-is-long-enough-0123';

describe('signing keys under the wrong JWT secret', () => {
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    // The last test closes its database itself; a second close may refuse.
    for (const c of open.splice(0)) await c.close().catch(() => undefined);
  });

  async function node() {
    const ctx = await openGatehouse(testConfig({ oauth: { key_publish_delay_secs: 0 } }));
    open.push(ctx);
    return ctx;
  }

  it('refuses to rotate, before writing anything, when the secret cannot decrypt the active key', async () => {
    const ctx = await node();
    const cli = new KeyService(new KeyRepo(ctx.database.db), WRONG);
    const rotated = cli.rotate();
    await expect(rotated).rejects.toBeInstanceOf(ConfigError);
    await expect(rotated).rejects.toThrow(/security\.jwt_secret cannot decrypt signing key/);
    expect(await ctx.database.db.select().from(signingKeys)).toHaveLength(1);
  });

  it('never promotes a next key it cannot decrypt, and keeps signing and publishing', async () => {
    const ctx = await node();
    const good = ctx.keys.active().kid;
    // A key written under another secret anyway (by an older version, or straight into the table).
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await new KeyRepo(ctx.database.db).insert({
      kid: 'planted',
      alg: 'ES256',
      publicJwk: publicKey.export({ format: 'jwk' }) as Record<string, unknown>,
      privateJwkEncrypted: encryptWithSecret(JSON.stringify(privateKey.export({ format: 'jwk' })), WRONG),
      status: 'next',
    });
    await ctx.keys.reload();
    expect(ctx.keys.active().kid).toBe(good);
    const rows = await ctx.database.db.select().from(signingKeys);
    expect(rows.find((r) => r.kid === good)?.status).toBe('active');
    expect(rows.find((r) => r.kid === 'planted')?.status).toBe('next');
    // A good rotation still goes ahead past it.
    const { kid } = await ctx.keys.rotate();
    await ctx.keys.reload();
    expect(ctx.keys.active().kid).toBe(kid);
  });

  it('stops a node started with the wrong secret with a message naming security.jwt_secret', async () => {
    const dir = `pglite:${mkdtempSync(join(tmpdir(), 'gh-keys-'))}`;
    const first = await openGatehouse(testConfig({ database: { url: dir } }));
    await first.close();
    const wrong = openGatehouse(testConfig({ database: { url: dir }, security: { jwt_secret: WRONG } }));
    await expect(wrong).rejects.toBeInstanceOf(ConfigError);
    await expect(wrong).rejects.toThrow(/security\.jwt_secret/);
  });

  it('serves the keys it has when a reload fails (database gone), without retrying on every request', async () => {
    const logged: { msg: string; err?: unknown }[] = [];
    const sink = { write: (line: string) => void logged.push(JSON.parse(line)) };
    const ctx = await openGatehouse(testConfig({ oauth: { key_publish_delay_secs: 0 } }), {
      logger: createLogger('warn', sink),
    });
    open.push(ctx);
    const app = await buildApp(ctx);
    open.unshift(app);
    const before = (await app.inject({ method: 'GET', url: '/api/oauth/jwks' })).json();
    await ctx.database.close();
    await new Promise((r) => setTimeout(r, 5_100)); // past the JWKS reload interval
    for (let i = 0; i < 3; i++) {
      const res = await app.inject({ method: 'GET', url: '/api/oauth/jwks' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(before);
    }
    // Logged once (the failed reload is not retried per request), with the cause.
    const failures = logged.filter((l) => l.msg.startsWith('signing key reload failed'));
    expect(failures).toHaveLength(1);
    expect(failures[0]?.err).toBeDefined();
  });
});
