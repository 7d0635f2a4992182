import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { MemoryTokenStorage } from '../src/storage/index.js';
import { type TokenLock, TokenManager } from '../src/token/index.js';
import { storedTokens } from './support/stored-tokens.js';

const stored = (expiresInMs: number, refreshToken?: string) =>
  storedTokens({
    accessToken: 'current',
    expiresAt: Date.now() + expiresInMs,
    ...(refreshToken ? { refreshToken } : {}),
  });

describe('TokenManager edge cases', () => {
  it('returns a still-valid token inside the skew when there is nothing to refresh with', async () => {
    const storage = new MemoryTokenStorage();
    const m = new TokenManager({ storage, endpoint: { refresh: () => Promise.reject(new Error('unused')) } });
    await storage.store('k', stored(10_000));
    expect((await m.getAccessToken('k')).token).toBe('current');
    await expect(m.forceRefresh('k')).rejects.toMatchObject({ name: 'TokenError', code: 'no_refresh_token' });
  });

  it('a throwing hook never breaks token retrieval', async () => {
    const storage = new MemoryTokenStorage();
    const m = new TokenManager({
      storage,
      endpoint: {
        refresh: async () => ({ accessToken: 'new', tokenType: 'Bearer', expiresIn: 3600, raw: {} }),
      },
      hooks: {
        onTokenRefreshed: () => {
          throw new Error('boom');
        },
      },
    });
    await storage.store('k', stored(-1, 'rt'));
    expect((await m.getAccessToken('k')).token).toBe('new');
  });

  it('keeps the refresh token lifetime from the response, or the old one when not rotated', async () => {
    const storage = new MemoryTokenStorage();
    let n = 0;
    const m = new TokenManager({
      storage,
      now: () => 1_000_000,
      endpoint: {
        refresh: async () =>
          ++n === 1
            ? {
                accessToken: 'a1',
                tokenType: 'Bearer',
                expiresIn: 60,
                refreshToken: 'r1',
                raw: { refresh_expires_in: 600 },
              }
            : { accessToken: 'a2', tokenType: 'Bearer', expiresIn: 60, raw: {} },
      },
    });
    await storage.store('k', { ...stored(0, 'r0'), expiresAt: 0 });
    await m.getAccessToken('k');
    expect(await storage.get('k')).toMatchObject({
      refreshToken: 'r1',
      refreshTokenExpiresAt: 1_600_000,
      expiresAt: 1_060_000,
    });
    await m.forceRefresh('k');
    expect(await storage.get('k')).toMatchObject({
      accessToken: 'a2',
      refreshToken: 'r1',
      refreshTokenExpiresAt: 1_600_000,
    });
    expect((await storage.get('k'))?.metadata).toMatchObject({ refreshCount: 2, refreshedAt: 1_000_000 });
  });

  it('with a shared lock, instances reuse a token renewed by another even when it is shorter than the skew', async () => {
    const storage = new MemoryTokenStorage();
    const held = new Set<string>();
    const lock: TokenLock = {
      async tryAcquire(name) {
        if (held.has(name)) return undefined;
        held.add(name);
        return async () => {
          held.delete(name);
        };
      },
    };
    let cc = 0;
    const endpoint = {
      refresh: () => Promise.reject(new Error('unused')),
      async clientCredentials() {
        cc++;
        await sleep(30);
        return { accessToken: `cc-${cc}`, tokenType: 'Bearer', expiresIn: 30, raw: {} };
      },
    };
    const managers = [1, 2, 3].map(() => new TokenManager({ storage, endpoint, lock, lockPollMs: 5 }));
    await storage.store('svc', { ...stored(-1), accessToken: 'cc-0' });
    const tokens = await Promise.all(
      managers.flatMap((m) => Array.from({ length: 20 }, () => m.getAccessToken('svc'))),
    );
    expect(cc).toBe(1);
    expect(new Set(tokens.map((t) => t.token))).toEqual(new Set(['cc-1']));
  });
});
