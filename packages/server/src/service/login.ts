import { verify as argonVerify } from '@node-rs/argon2';
import type { User } from '../domain/index.js';
import type { AppContext } from '../state/index.js';

const USER_LOCK_AFTER = 5;
const IP_LOCK_AFTER = 20;
const LOCK_WINDOW_SECS = 15 * 60;

export type LoginResult = { ok: true; user: User } | { ok: false; locked: boolean };

/**
 * Checks a password (argon2id) with failure counters per username and per IP and a lockout window, so
 * neither one account nor one address can be brute-forced (RFC 9700 §4.15 spirit, OWASP ASVS 2.2.1).
 */
export async function login(
  ctx: AppContext,
  username: string,
  password: string,
  ip: string,
): Promise<LoginResult> {
  const userKey = `login-fail:u:${username.toLowerCase()}`;
  const ipKey = `login-fail:ip:${ip}`;
  const userFails = Number((await ctx.store.get(userKey)) ?? 0);
  const ipFails = Number((await ctx.store.get(ipKey)) ?? 0);
  if (userFails >= USER_LOCK_AFTER || ipFails >= IP_LOCK_AFTER) return { ok: false, locked: true };
  const user = await ctx.users.findWithPasswordHash(username);
  let ok = false;
  if (user) {
    try {
      ok = await argonVerify(user.passwordHash, password);
    } catch {
      ok = false;
    }
  }
  if (!ok || !user) {
    await ctx.store.set(userKey, String(userFails + 1), LOCK_WINDOW_SECS);
    await ctx.store.set(ipKey, String(ipFails + 1), LOCK_WINDOW_SECS);
    return { ok: false, locked: false };
  }
  await ctx.store.set(userKey, '0', 1);
  const { passwordHash: _hash, ...rest } = user;
  return { ok: true, user: rest };
}
