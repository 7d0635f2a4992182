import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { users } from '../src/repo/schema.js';
import { USER_CACHE_TTL_MS } from '../src/service/accounts/users.js';
import { testApp } from './support/app.js';

const BOB = { username: 'bob', password: 'bob-password-123' };

describe('users found by id are cached for a short time', () => {
  let t: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    t = await testApp({ users: [BOB] });
  });
  afterAll(async () => t.close());
  afterEach(() => vi.useRealTimers());

  const bobId = async () => (await t.ctx.users.verifyPassword(BOB.username, BOB.password))?.id as string;

  it('serves a found user from memory: no database read per single sign-on or token', async () => {
    const id = await bobId();
    expect((await t.ctx.users.find(id))?.username).toBe('bob');
    const select = vi.spyOn(t.ctx.database.db, 'select');
    for (let i = 0; i < 5; i++) expect((await t.ctx.users.find(id))?.username).toBe('bob');
    expect(select).not.toHaveBeenCalled();
  });

  it('forgets a user deleted through the service at once', async () => {
    await t.ctx.users.upsert(BOB);
    const id = await bobId();
    expect(await t.ctx.users.find(id)).toBeDefined();
    expect(await t.ctx.users.delete('bob')).toBe(true);
    expect(await t.ctx.users.find(id)).toBeUndefined();
    expect(await t.ctx.users.delete('bob')).toBe(false);
  });

  it('sees a user deleted elsewhere (another node, SQL) once the cache time is over', async () => {
    await t.ctx.users.upsert(BOB);
    const id = await bobId();
    vi.useFakeTimers({ toFake: ['Date'] });
    expect(await t.ctx.users.find(id)).toBeDefined();
    await t.ctx.database.db.delete(users).where(eq(users.username, 'bob'));
    expect(await t.ctx.users.find(id)).toBeDefined(); // still cached on this node
    vi.setSystemTime(Date.now() + USER_CACHE_TTL_MS + 1);
    expect(await t.ctx.users.find(id)).toBeUndefined();
  });

  it('does not cache an unknown id, so a user created meanwhile is found', async () => {
    expect(await t.ctx.users.find('00000000-0000-4000-8000-000000000000')).toBeUndefined();
    await t.ctx.users.upsert(BOB);
    expect(await t.ctx.users.find(await bobId())).toBeDefined();
  });
});
