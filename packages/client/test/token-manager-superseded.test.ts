import { afterEach, describe, expect, it } from 'vitest';
import { createOAuth2Client } from '../src/index.js';
import { MemoryTokenStorage } from '../src/storage/index.js';
import { TokenManager } from '../src/token/index.js';
import type { TokenResponse } from '../src/token/records.js';
import { type RotatingTokenServer, startRotatingTokenServer } from './support/rotating-token-server.js';
import { expiredLogin } from './support/stored-tokens.js';
import { until } from './support/waiting.js';

const newLogin: TokenResponse = {
  accessToken: 'at-login',
  refreshToken: 'rt-login',
  tokenType: 'Bearer',
  expiresIn: 3600,
  raw: {},
};

let server: RotatingTokenServer;
afterEach(async () => {
  await server.close();
});

/** Holds the next refresh at the server; resolves `release` to let it answer. */
function holdNextRefresh(): () => void {
  let release!: () => void;
  server.hold(new Promise<void>((r) => (release = r)));
  return release;
}

async function setUp(options: { liveRefreshToken: boolean }) {
  server = await startRotatingTokenServer();
  if (options.liveRefreshToken) server.issue('rt-0');
  const client = createOAuth2Client({
    clientId: 'app',
    tokenEndpoint: `${server.url}/token`,
    revocationEndpoint: `${server.url}/revoke`,
  });
  const storage = new MemoryTokenStorage();
  await storage.store('k', expiredLogin());
  const manager = () =>
    new TokenManager({
      storage,
      endpoint: {
        refresh: (rt) => client.refresh(rt),
        revoke: (token, hint) => client.revocation().revoke({ token, tokenTypeHint: hint }),
      },
    });
  return { storage, manager };
}

describe('TokenManager: a refresh in flight never overrides clearTokens / storeTokens made meanwhile', () => {
  it('clearTokens during a refresh: the refreshed tokens are not stored back and their refresh token is revoked', async () => {
    const { storage, manager } = await setUp({ liveRefreshToken: true });
    const m = manager();
    const release = holdNextRefresh();
    const pending = m.getAccessToken('k');
    await until(() => server.presented.length === 1);
    await m.clearTokens('k', { revoke: true });
    release();
    await expect(pending).rejects.toMatchObject({ name: 'TokenError', code: 'reauthentication_required' });
    expect(await storage.get('k')).toBeUndefined();
    expect(server.revoked).toEqual(['rt-0', 'rt-1']);
  });

  it('storeTokens during a refresh that succeeds: the new login stays, the old session’s new refresh token is revoked', async () => {
    const { storage, manager } = await setUp({ liveRefreshToken: true });
    const m = manager();
    const release = holdNextRefresh();
    const pending = m.getAccessToken('k');
    await until(() => server.presented.length === 1);
    await m.storeTokens('k', newLogin);
    release();
    expect((await pending).token).toBe('at-login');
    expect(await storage.get('k')).toMatchObject({ accessToken: 'at-login', refreshToken: 'rt-login' });
    expect(server.revoked).toEqual(['rt-1']);
  });

  it('storeTokens during a refresh that fails with invalid_grant: the new login is not deleted', async () => {
    const { storage, manager } = await setUp({ liveRefreshToken: false });
    const m = manager();
    const release = holdNextRefresh();
    const pending = m.getAccessToken('k');
    await until(() => server.presented.length === 1);
    await m.storeTokens('k', newLogin);
    release();
    expect((await pending).token).toBe('at-login');
    expect(await storage.get('k')).toMatchObject({ accessToken: 'at-login', refreshToken: 'rt-login' });
  });

  it('another instance sharing the storage clears the key during the refresh: nothing is stored back', async () => {
    const { storage, manager } = await setUp({ liveRefreshToken: true });
    const refreshing = manager();
    const other = manager();
    const release = holdNextRefresh();
    const pending = refreshing.getAccessToken('k');
    await until(() => server.presented.length === 1);
    await other.clearTokens('k');
    release();
    await expect(pending).rejects.toMatchObject({ code: 'reauthentication_required' });
    expect(await storage.get('k')).toBeUndefined();
    expect(server.revoked).toEqual(['rt-1']);
  });
});
