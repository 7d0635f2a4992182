import type { User } from '../domain/index.js';
import type { AppContext } from '../state/index.js';
import { type AttemptLimit, clearAttempts, giveBackAttempt, takeAttempt } from './attempts.js';

const LOCK_WINDOW_SECS = 15 * 60;
const perUser = (username: string): AttemptLimit => ({
  key: `login-fail:u:${username.toLowerCase()}`,
  limit: 5,
  windowSecs: LOCK_WINDOW_SECS,
});
const perIp = (ip: string): AttemptLimit => ({
  key: `login-fail:ip:${ip}`,
  limit: 20,
  windowSecs: LOCK_WINDOW_SECS,
});

export type LoginResult = { ok: true; user: User } | { ok: false; locked: boolean };

/**
 * Checks a password (argon2id) with attempt counters per username and per IP and a lockout window, so
 * neither one account nor one address can be brute-forced (RFC 9700 §4.15 spirit, OWASP ASVS 2.2.1).
 * Attempts are counted before the check, atomically (see attempts.ts); a success clears the account's
 * count and gives the address its attempt back.
 */
export async function login(
  ctx: AppContext,
  username: string,
  password: string,
  ip: string,
): Promise<LoginResult> {
  const user = perUser(username);
  const address = perIp(ip);
  const [userOk, ipOk] = await Promise.all([takeAttempt(ctx.store, user), takeAttempt(ctx.store, address)]);
  if (!userOk || !ipOk) return { ok: false, locked: true };
  const found = await ctx.users.verifyPassword(username, password);
  if (!found) return { ok: false, locked: false };
  await Promise.all([clearAttempts(ctx.store, user), giveBackAttempt(ctx.store, address)]);
  return { ok: true, user: found };
}
