import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verify } from '@node-rs/argon2';
import { eq } from 'drizzle-orm';
import { decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { openGatehouse } from '../src/app/gatehouse.js';
import { clients, signingKeys, users } from '../src/repo/schema.js';
import { CLOCK_SKEW_SECS, KEY_RELOAD_INTERVAL_SECS } from '../src/service/keys/keys.js';
import { clientCredentialsToken, testConfig } from './support/app.js';

describe('signing keys and config seeds', () => {
  it('creates one ES256 key at first start, encrypted at rest, and keeps it across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-pglite-'));
    const cfg = testConfig({ database: { url: `pglite:${dir}` } });
    const first = await openGatehouse(cfg);
    const kid = first.keys.active().kid;
    const rows = await first.database.db.select().from(signingKeys);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.alg).toBe('ES256');
    expect(rows[0]?.privateJwkEncrypted).not.toContain('"d"');
    expect(rows[0]?.publicJwk).not.toHaveProperty('d');
    expect(first.keys.jwks().keys[0]).toMatchObject({
      kid,
      kty: 'EC',
      crv: 'P-256',
      alg: 'ES256',
      use: 'sig',
    });
    await first.close();

    const second = await openGatehouse(cfg);
    expect(second.keys.active().kid).toBe(kid);
    await second.close();

    const wrongSecret = testConfig({
      database: { url: `pglite:${dir}` },
      security: { jwt_secret: 'another-secret-that-is-at-least-32-chars' },
    });
    await expect(openGatehouse(wrongSecret)).rejects.toThrow();
  });

  it('rotation publishes the new key first, signs with it after the delay, and keeps the old one in the JWKS', async () => {
    const ctx = await openGatehouse(testConfig({ oauth: { key_publish_delay_secs: 2 } }));
    try {
      const client = (await ctx.clients.list()).find((c) => c.clientId === 'svc-basic')!;
      const old = await clientCredentialsToken(ctx, client);
      const oldKid = ctx.keys.active().kid;
      const { kid: newKid } = await ctx.keys.rotate();
      expect(newKid).not.toBe(oldKid);
      // Published at once, not yet signing.
      expect(ctx.keys.jwks().keys.map((k) => k.kid)).toContain(newKid);
      expect(ctx.keys.active().kid).toBe(oldKid);
      expect((await ctx.keys.list()).find((k) => k.kid === newKid)?.status).toBe('next');
      await new Promise((r) => setTimeout(r, 2100));
      await ctx.keys.reload();
      expect(ctx.keys.active().kid).toBe(newKid);
      const fresh = await clientCredentialsToken(ctx, client);
      expect(decodeProtectedHeader(fresh).kid).toBe(newKid);
      expect(
        ctx.keys
          .jwks()
          .keys.map((k) => k.kid)
          .sort(),
      ).toEqual([oldKid, newKid].sort());
      expect((await ctx.keys.list()).find((k) => k.kid === oldKid)?.status).toBe('retired');
      expect((await ctx.accessTokens.introspect(old)).active).toBe(true);
      // Other nodes may sign with it until their next reload, and clocks differ: it stays published for the
      // access-token lifetime + reload interval + clock skew after retirement …
      const retention = ctx.config.oauth.access_token_ttl_secs + KEY_RELOAD_INTERVAL_SECS + CLOCK_SKEW_SECS;
      const retireAgo = (secs: number) =>
        ctx.database.db
          .update(signingKeys)
          .set({ retiredAt: new Date(Date.now() - secs * 1000) })
          .where(eq(signingKeys.kid, oldKid));
      await retireAgo(retention - 5);
      await ctx.keys.reload();
      expect(ctx.keys.jwks().keys.map((k) => k.kid)).toContain(oldKid);
      // … and then leaves the JWKS.
      await retireAgo(retention + 1);
      await ctx.keys.reload();
      expect(ctx.keys.jwks().keys.map((k) => k.kid)).toEqual([newKid]);
      expect((await ctx.accessTokens.introspect(old)).active).toBe(false);
    } finally {
      await ctx.close();
    }
  });

  it('upserts config clients with hashed secrets and users with argon2id passwords', async () => {
    const cfg = testConfig({
      users: [
        { username: 'alice', password: 'correct-horse-battery', email: 'alice@example.com', name: 'Alice' },
      ],
    });
    const ctx = await openGatehouse(cfg);
    try {
      const rows = await ctx.database.db.select().from(clients);
      const basicRow = rows.find((r) => r.clientId === 'svc-basic');
      expect(basicRow?.secretHash).toMatch(/^sha256:/);
      expect(basicRow?.secretHash).not.toContain('basic-secret');
      const [alice] = await ctx.database.db.select().from(users);
      expect(alice?.passwordHash).toMatch(/^\$argon2id\$/);
      expect(await verify(alice!.passwordHash, 'correct-horse-battery')).toBe(true);
      // Re-seeding (next start) updates rather than duplicates.
      for (const c of cfg.clients) await ctx.clients.upsertFromSeed(c);
      expect(await ctx.database.db.select().from(clients)).toHaveLength(rows.length);
      expect(await ctx.users.setPassword('alice', 'new-password-123')).toBe(true);
      expect(await ctx.users.setPassword('bob', 'new-password-123')).toBe(false);
      const created = await ctx.clients.create({
        client_id: 'cli-made',
        token_endpoint_auth_method: 'client_secret_post',
        grant_types: ['client_credentials'],
        scopes: ['read'],
        redirect_uris: [],
      });
      expect(created.secret).toBeDefined();
      const rotated = await ctx.clients.rotateSecret('cli-made');
      await expect(
        ctx.clientAuthentication.authenticate({
          authorization: undefined,
          body: { client_id: 'cli-made', client_secret: created.secret },
        }),
      ).rejects.toMatchObject({ code: 'invalid_client' });
      await expect(
        ctx.clientAuthentication.authenticate({
          authorization: undefined,
          body: { client_id: 'cli-made', client_secret: rotated },
        }),
      ).resolves.toMatchObject({ clientId: 'cli-made' });
      expect(await ctx.clients.delete('cli-made')).toBe(true);
    } finally {
      await ctx.close();
    }
  });
  it('serves authenticated clients from a short-lived cache, invalidated at once by rotate and delete', async () => {
    const ctx = await openGatehouse(testConfig());
    try {
      const created = await ctx.clients.create({
        client_id: 'cached-svc',
        token_endpoint_auth_method: 'client_secret_post',
        grant_types: ['client_credentials'],
        scopes: ['read'],
        redirect_uris: [],
      });
      const auth = (secret: string | undefined) =>
        ctx.clientAuthentication.authenticate({
          authorization: undefined,
          body: { client_id: 'cached-svc', client_secret: secret },
        });
      // Warm the cache, then rotate: the old secret must be rejected immediately on this node.
      await expect(auth(created.secret)).resolves.toMatchObject({ clientId: 'cached-svc' });
      await expect(auth(created.secret)).resolves.toMatchObject({ clientId: 'cached-svc' });
      const rotated = await ctx.clients.rotateSecret('cached-svc');
      await expect(auth(created.secret)).rejects.toMatchObject({ code: 'invalid_client' });
      await expect(auth(rotated)).resolves.toMatchObject({ clientId: 'cached-svc' });
      await expect(auth('wrong-secret')).rejects.toMatchObject({ code: 'invalid_client' });
      // Deleting through the service drops the cached record too.
      expect(await ctx.clients.delete('cached-svc')).toBe(true);
      await expect(auth(rotated)).rejects.toMatchObject({ code: 'invalid_client' });
    } finally {
      await ctx.close();
    }
  });
});
