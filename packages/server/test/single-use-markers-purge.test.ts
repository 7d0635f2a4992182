import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrantRepo } from '../src/repo/grants.js';
import { testApp } from './helpers.js';

describe('single-use markers', () => {
  let t: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    t = await testApp();
  });
  afterAll(async () => t.close());

  it('are claimed once, and purged only after they expire', async () => {
    const repo = new GrantRepo(t.ctx.database.db);
    const now = Math.floor(Date.now() / 1000);
    const marker = (id: string, expiresAt: number) => ({
      id,
      kind: 'code_used',
      clientId: 'svc-basic',
      expiresAt,
    });
    expect(await repo.claim(marker('m-live', now + 600))).toBe(true);
    expect(await repo.claim(marker('m-live', now + 600))).toBe(false);
    expect(await repo.claim(marker('m-expired', now - 1))).toBe(true);
    expect(await repo.purgeExpired(now)).toBe(1);
    // The live marker still refuses a second use; the expired one is gone.
    expect(await repo.claim(marker('m-live', now + 600))).toBe(false);
    expect(await repo.claim(marker('m-expired', now + 600))).toBe(true);
  });
});
