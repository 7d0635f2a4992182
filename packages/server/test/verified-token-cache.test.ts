import { eq } from 'drizzle-orm';
import { decodeJwt } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { BoundedCache } from '../src/infra/bounded-cache.js';
import { signingKeys } from '../src/repo/schema.js';
import { testApp } from './support/app.js';
import { basic } from './support/http.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const AUTH = { authorization: basic('svc-basic', 'basic-secret') };

type App = Awaited<ReturnType<typeof testApp>>;
let open: App[] = [];
afterEach(async () => {
  for (const t of open) await t.close();
  open = [];
});

async function setup(overrides: Record<string, unknown> = {}) {
  const t = await testApp(overrides);
  open.push(t);
  const post = (url: string, payload: string) =>
    t.app.inject({ method: 'POST', url, headers: { ...FORM, ...AUTH }, payload });
  const token = async (): Promise<string> => {
    const res = await post('/api/oauth/token', 'grant_type=client_credentials');
    expect(res.statusCode).toBe(200);
    return res.json().access_token;
  };
  const active = async (tok: string): Promise<boolean> => {
    const res = await post('/api/oauth/introspect', `token=${encodeURIComponent(tok)}`);
    expect(res.statusCode).toBe(200);
    return res.json().active;
  };
  return { t, post, token, active };
}

describe('introspection with the verified-token cache', () => {
  it('still sees a revocation made after the token was verified and cached', async () => {
    const { post, token, active } = await setup();
    const tok = await token();
    expect(await active(tok)).toBe(true);
    expect(await active(tok)).toBe(true); // served from the cache
    expect((await post('/api/oauth/revoke', `token=${encodeURIComponent(tok)}`)).statusCode).toBe(200);
    expect(await active(tok)).toBe(false);
  });

  it('still checks expiry on a cached token', async () => {
    // `iat` is whole seconds, so a 1 s token issued at x.999 expires 1 ms later; 2 s leaves at least one.
    const { token, active } = await setup({ oauth: { access_token_ttl_secs: 2 } });
    const tok = await token();
    expect(await active(tok)).toBe(true);
    expect(await active(tok)).toBe(true); // served from the cache
    const { exp } = decodeJwt(tok);
    await new Promise((r) => setTimeout(r, exp! * 1000 - Date.now() + 50));
    expect(await active(tok)).toBe(false);
  });

  it('stops accepting a cached token once its signing key is no longer published', async () => {
    const { t, token, active } = await setup();
    const tok = await token();
    expect(await active(tok)).toBe(true);
    const kid = t.ctx.keys.active().kid;
    await t.ctx.database.db.delete(signingKeys).where(eq(signingKeys.kid, kid));
    await t.ctx.keys.reload();
    expect(t.ctx.keys.jwks().keys.map((k) => k.kid)).not.toContain(kid);
    expect(await active(tok)).toBe(false);
  });

  it('keeps accepting a cached token after a rotation (the retired key stays published)', async () => {
    const { t, token, active } = await setup();
    const tok = await token();
    expect(await active(tok)).toBe(true);
    await t.ctx.keys.rotate();
    expect(await active(tok)).toBe(true);
  });

  it('does not let a token with the same claims but another signature hit the cache', async () => {
    const { token, active } = await setup();
    const tok = await token();
    expect(await active(tok)).toBe(true);
    const [h, p, sig] = tok.split('.') as [string, string, string];
    const flipped = Buffer.from(sig, 'base64url');
    flipped[0]! ^= 1;
    expect(await active(`${h}.${p}.${flipped.toString('base64url')}`)).toBe(false);
    expect(await active(tok)).toBe(true);
  });
});

describe('BoundedCache', () => {
  it('evicts the oldest entry when full and drops expired ones on read', () => {
    const c = new BoundedCache<number>(2);
    c.set('a', 1, 1000);
    c.set('b', 2, 1000);
    c.set('c', 3, 1000);
    expect(c.size).toBe(2);
    expect(c.get('a', 0)).toBeUndefined();
    expect(c.get('b', 0)).toBe(2);
    expect(c.get('c', 999)).toBe(3);
    expect(c.get('c', 1000)).toBeUndefined();
    expect(c.size).toBe(1);
  });
});
