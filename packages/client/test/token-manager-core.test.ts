import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { TokenError } from '../src/errors/index.js';
import { MemoryTokenStorage } from '../src/storage/index.js';
import { type TokenEndpoint, TokenManager, tokenKey } from '../src/token/index.js';
import type { TokenResponse } from '../src/token/records.js';
import { storedTokens } from './support/stored-tokens.js';

function fakeEndpoint(opts: { rotate?: boolean; fail?: unknown; delayMs?: number } = {}) {
  const calls = { refresh: 0, cc: 0, revoked: [] as string[], lastRefreshToken: '' };
  const endpoint: TokenEndpoint = {
    async refresh(rt) {
      calls.refresh++;
      calls.lastRefreshToken = rt;
      await sleep(opts.delayMs ?? 5);
      if (opts.fail) throw opts.fail;
      const n = calls.refresh;
      return {
        accessToken: `at-${n}`,
        tokenType: 'Bearer',
        expiresIn: 3600,
        ...(opts.rotate ? { refreshToken: `rt-${n}` } : {}),
        raw: {},
      } satisfies TokenResponse;
    },
    async revoke(token) {
      calls.revoked.push(token);
    },
  };
  return { endpoint, calls };
}

const expired = (storage: MemoryTokenStorage, key: string, refreshToken?: string) =>
  storage.store(
    key,
    storedTokens({
      accessToken: 'old',
      expiresAt: Date.now() - 1000,
      scopes: ['openid'],
      ...(refreshToken ? { refreshToken } : {}),
    }),
  );

describe('TokenManager', () => {
  it('builds keys', () => {
    expect(tokenKey({ provider: 'google', clientId: 'c', userId: 'u' })).toBe('google:c:u');
    expect(tokenKey({ provider: 'google', clientId: 'c' })).toBe('google:c:default');
  });

  it('returns a fresh stored token without refreshing', async () => {
    const storage = new MemoryTokenStorage();
    const { endpoint, calls } = fakeEndpoint();
    const m = new TokenManager({ storage, endpoint });
    const acquired: string[] = [];
    const m2 = new TokenManager({ storage, endpoint, hooks: { onTokenAcquired: (k) => acquired.push(k) } });
    await m2.storeTokens('k', {
      accessToken: 'a',
      tokenType: 'Bearer',
      expiresIn: 3600,
      refreshToken: 'r',
      raw: {},
    });
    expect((await m.getAccessToken('k')).token).toBe('a');
    expect(calls.refresh).toBe(0);
    expect(acquired).toEqual(['k']);
  });

  it('1,000 concurrent callers on an expired token cause exactly one refresh', async () => {
    const storage = new MemoryTokenStorage();
    const { endpoint, calls } = fakeEndpoint({ delayMs: 20 });
    const refreshed: string[] = [];
    const m = new TokenManager({ storage, endpoint, hooks: { onTokenRefreshed: (k) => refreshed.push(k) } });
    await expired(storage, 'k', 'rt-0');
    const tokens = await Promise.all(Array.from({ length: 1000 }, () => m.getAccessToken('k')));
    expect(calls.refresh).toBe(1);
    expect(new Set(tokens.map((t) => t.token))).toEqual(new Set(['at-1']));
    expect(refreshed).toEqual(['k']);
    expect((await storage.get('k'))?.refreshToken).toBe('rt-0'); // not rotated: old one kept
    expect((await storage.get('k'))?.metadata.refreshCount).toBe(1);
  });

  it('different keys refresh independently', async () => {
    const storage = new MemoryTokenStorage();
    const { endpoint, calls } = fakeEndpoint();
    const m = new TokenManager({ storage, endpoint });
    await expired(storage, 'a', 'ra');
    await expired(storage, 'b', 'rb');
    await Promise.all([m.getAccessToken('a'), m.getAccessToken('b'), m.getAccessToken('a')]);
    expect(calls.refresh).toBe(2);
  });

  it('refreshes within the skew and stores a rotated refresh token with the access token', async () => {
    const storage = new MemoryTokenStorage();
    const { endpoint, calls } = fakeEndpoint({ rotate: true });
    const m = new TokenManager({ storage, endpoint, skewSecs: 120 });
    await storage.store(
      'k',
      storedTokens({ accessToken: 'old', refreshToken: 'rt-0', expiresAt: Date.now() + 60_000 }),
    );
    expect((await m.getAccessToken('k')).token).toBe('at-1');
    expect(calls.lastRefreshToken).toBe('rt-0');
    expect(await storage.get('k')).toMatchObject({ accessToken: 'at-1', refreshToken: 'rt-1' });
    await m.forceRefresh('k');
    expect(calls.lastRefreshToken).toBe('rt-1');
    expect(await storage.get('k')).toMatchObject({ accessToken: 'at-2', refreshToken: 'rt-2' });
  });

  it('invalid_grant deletes the tokens and requires reauthentication', async () => {
    const storage = new MemoryTokenStorage();
    const fail = new TokenError('bad', { code: 'invalid_grant', error: 'invalid_grant', status: 400 });
    const { endpoint } = fakeEndpoint({ fail });
    const expiredKeys: string[] = [];
    const m = new TokenManager({ storage, endpoint, hooks: { onTokenExpired: (k) => expiredKeys.push(k) } });
    await expired(storage, 'k', 'rt');
    await expect(m.getAccessToken('k')).rejects.toMatchObject({
      name: 'TokenError',
      code: 'reauthentication_required',
    });
    expect(await storage.exists('k')).toBe(false);
    expect(expiredKeys).toEqual(['k']);
  });

  it('other refresh errors propagate and keep the tokens', async () => {
    const storage = new MemoryTokenStorage();
    const { endpoint } = fakeEndpoint({ fail: new TokenError('down', { code: 'server_error' }) });
    const m = new TokenManager({ storage, endpoint });
    await expired(storage, 'k', 'rt');
    await expect(m.getAccessToken('k')).rejects.toMatchObject({ code: 'server_error' });
    expect(await storage.exists('k')).toBe(true);
  });

  it('expired without a refresh token requires reauthentication; nothing stored too', async () => {
    const storage = new MemoryTokenStorage();
    const { endpoint } = fakeEndpoint();
    const m = new TokenManager({ storage, endpoint });
    await expired(storage, 'k');
    await expect(m.getAccessToken('k')).rejects.toMatchObject({ code: 'reauthentication_required' });
    expect(await storage.exists('k')).toBe(false);
    await expect(m.getAccessToken('none')).rejects.toMatchObject({ code: 'reauthentication_required' });
  });

  it('client-credentials clients request a new token when expiring', async () => {
    const storage = new MemoryTokenStorage();
    let cc = 0;
    const m = new TokenManager({
      storage,
      endpoint: {
        refresh: () => Promise.reject(new Error('unused')),
        async clientCredentials() {
          cc++;
          await sleep(5);
          return { accessToken: `cc-${cc}`, tokenType: 'Bearer', expiresIn: 30, raw: {} };
        },
      },
    });
    const all = await Promise.all(Array.from({ length: 50 }, () => m.getAccessToken('svc')));
    expect(cc).toBe(1);
    expect(all[0]?.token).toBe('cc-1');
    // expiresIn 30 < skew 60: the skew is capped at half the lifetime (15 s), so the token is reused
    expect((await m.getAccessToken('svc')).token).toBe('cc-1');
    expect(cc).toBe(1);
  });

  it('clearTokens revokes the refresh token and deletes locally', async () => {
    const storage = new MemoryTokenStorage();
    const { endpoint, calls } = fakeEndpoint();
    const m = new TokenManager({ storage, endpoint });
    await expired(storage, 'k', 'rt-x');
    await m.clearTokens('k', { revoke: true });
    expect(calls.revoked).toEqual(['rt-x']);
    expect(await m.getStoredTokens('k')).toBeUndefined();
  });
});
