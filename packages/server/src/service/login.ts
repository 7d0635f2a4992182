import { MAX_USERNAME_LENGTH, type User } from '../domain/index.js';
import type { AppContext } from '../state/index.js';
import { type AttemptLimit, clearAttempts, giveBackAttempt, takeAttempt } from './attempts.js';
import { sha256Key } from './hash.js';

const LOCK_WINDOW_SECS = 15 * 60;

/**
 * Keyed by a SHA-256 of the lower-cased username: a fixed 43 characters whatever was typed (the store holds
 * no attacker-sized keys and no usernames in clear), and `Alice`/`alice` share one count, as before.
 */
const perUser = (username: string): AttemptLimit => ({
  key: `login-fail:u:${sha256Key(username.toLowerCase())}`,
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
 *
 * The address is counted first, and an address over its limit touches no per-username counter: a locked-out
 * client then writes nothing new to the store (however many usernames it sends) and cannot keep pushing
 * other people's accounts into lockout.
 */
export async function login(
  ctx: AppContext,
  username: string,
  password: string,
  ip: string,
): Promise<LoginResult> {
  const address = perIp(ip);
  if (!(await takeAttempt(ctx.store, address))) return { ok: false, locked: true };
  // A longer username is no one's: refused like a wrong password before any per-username state is written
  // (every such POST left a counter keyed by up to a 64 KiB username for the whole window). Counted against
  // the address above, so it cannot be sent without limit either.
  if (username.length > MAX_USERNAME_LENGTH) return { ok: false, locked: false };
  const user = perUser(username);
  if (!(await takeAttempt(ctx.store, user))) return { ok: false, locked: true };
  const found = await ctx.users.verifyPassword(username, password);
  if (!found) return { ok: false, locked: false };
  await Promise.all([clearAttempts(ctx.store, user), giveBackAttempt(ctx.store, address)]);
  return { ok: true, user: found };
}
