import type { User } from '../domain/index.js';
import type { AppContext } from '../state/index.js';

const USER_LOCK_AFTER = 5;
const IP_LOCK_AFTER = 20;
const LOCK_WINDOW_SECS = 15 * 60;

export type LoginResult = { ok: true; user: User } | { ok: false; locked: boolean };

/**
 * Checks a password (argon2id) with failure counters per username and per IP and a lockout window, so
 * neither one account nor one address can be brute-forced (RFC 9700 §4.15 spirit, OWASP ASVS 2.2.1).
 *
 * Each attempt is counted atomically *before* the password is checked, and a success gives its count back:
 * counting after the (slow) check let any number of attempts sent at once all read the same count and pass.
 */
export async function login(
  ctx: AppContext,
  username: string,
  password: string,
  ip: string,
): Promise<LoginResult> {
  const userKey = `login-fail:u:${username.toLowerCase()}`;
  const ipKey = `login-fail:ip:${ip}`;
  const [userAttempts, ipAttempts] = await Promise.all([
    ctx.store.increment(userKey, 1, LOCK_WINDOW_SECS),
    ctx.store.increment(ipKey, 1, LOCK_WINDOW_SECS),
  ]);
  if (userAttempts > USER_LOCK_AFTER || ipAttempts > IP_LOCK_AFTER) return { ok: false, locked: true };
  const user = await ctx.users.verifyPassword(username, password);
  if (!user) return { ok: false, locked: false };
  // A success clears the account's failures and does not count against the address.
  await Promise.all([ctx.store.set(userKey, '0', 1), ctx.store.increment(ipKey, -1, LOCK_WINDOW_SECS)]);
  return { ok: true, user };
}
