import { afterEach, describe, expect, it } from 'vitest';
import { createOAuth2Client, StorageError } from '../src/index.js';
import { MemoryTokenStorage } from '../src/storage/index.js';
import { TokenManager } from '../src/token/index.js';
import type { StoredTokens } from '../src/token/records.js';
import { recordingLogger } from './support/log-capture.js';
import { type RotatingTokenServer, startRotatingTokenServer } from './support/rotating-token-server.js';
import { expiredLogin } from './support/stored-tokens.js';

/** Real in-memory storage whose writes fail while `failures` > 0 (a backend outage). */
class FlakyStorage extends MemoryTokenStorage {
  failures = 0;
  override async store(key: string, tokens: StoredTokens): Promise<void> {
    if (this.failures > 0) {
      this.failures--;
      throw new StorageError('backend down', { code: 'storage_error', retryable: true });
    }
    return super.store(key, tokens);
  }
}

let server: RotatingTokenServer;
afterEach(async () => {
  await server.close();
});

async function setUp() {
  server = await startRotatingTokenServer();
  server.issue('rt-0');
  const client = createOAuth2Client({
    clientId: 'app',
    tokenEndpoint: `${server.url}/token`,
    revocationEndpoint: `${server.url}/revoke`,
  });
  const storage = new FlakyStorage();
  await storage.store('k', expiredLogin());
  const { logger, logs } = recordingLogger();
  const manager = new TokenManager({
    storage,
    endpoint: {
      refresh: (rt) => client.refresh(rt),
      revoke: (token, hint) => client.revocation().revoke({ token, tokenTypeHint: hint }),
    },
    logger,
  });
  return { storage, manager, logs };
}

describe('TokenManager when storage fails after a successful refresh', () => {
  it('a brief storage failure is retried: the rotated tokens reach storage in the same call', async () => {
    const { storage, manager } = await setUp();
    storage.failures = 2;
    expect((await manager.getAccessToken('k')).token).toBe('at-1');
    expect(await storage.get('k')).toMatchObject({ accessToken: 'at-1', refreshToken: 'rt-1' });
  });

  it('during an outage the caller still gets the new access token and the rotated refresh token is kept', async () => {
    const { storage, manager, logs } = await setUp();
    storage.failures = 100;
    expect((await manager.getAccessToken('k')).token).toBe('at-1');
    // Storage still holds the spent rt-0; the manager must use rt-1, never replay rt-0.
    expect((await manager.getStoredTokens('k'))?.refreshToken).toBe('rt-1');
    expect((await manager.forceRefresh('k')).token).toBe('at-2');
    expect(server.presented).toEqual(['rt-0', 'rt-1']);
    // A warning without any secret.
    const warning = logs.find((l) => l.level === 'warn');
    expect(warning?.msg).toMatch(/kept in memory/);
    expect(JSON.stringify(logs)).not.toMatch(/rt-\d|at-\d/);
  });

  it('the kept tokens are written to storage as soon as it recovers', async () => {
    const { storage, manager } = await setUp();
    storage.failures = 100;
    await manager.getAccessToken('k');
    expect((await storage.get('k'))?.refreshToken).toBe('rt-0');
    storage.failures = 0;
    expect((await manager.getAccessToken('k')).token).toBe('at-1');
    expect(await storage.get('k')).toMatchObject({ accessToken: 'at-1', refreshToken: 'rt-1' });
    expect(server.presented).toEqual(['rt-0']);
  });

  it('clearTokens drops kept tokens too, and revokes the newest refresh token', async () => {
    const { storage, manager } = await setUp();
    storage.failures = 100;
    await manager.getAccessToken('k');
    storage.failures = 0;
    await manager.clearTokens('k', { revoke: true });
    expect(server.revoked).toEqual(['rt-1']);
    expect(await manager.getStoredTokens('k')).toBeUndefined();
    await expect(manager.getAccessToken('k')).rejects.toMatchObject({ code: 'reauthentication_required' });
  });
});
