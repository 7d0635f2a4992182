import { MAX_USERNAME_LENGTH, type User } from '../../domain/index.js';
import { type Store, storeKeys } from '../../infra/store/index.js';
import type { UserService } from '../accounts/users.js';
import { sha256Key } from '../crypto/hash.js';
import { type AttemptLimit, clearAttempts, giveBackAttempt, takeAttempt } from './attempts.js';

/** The attempt window: a locked-out account or address may sign in again at most this long after. */
export const LOCK_WINDOW_SECS = 15 * 60;

/**
 * Keyed by a SHA-256 of the lower-cased username: a fixed 43 characters whatever was typed (the store holds
 * no attacker-sized keys and no usernames in clear), and `Alice`/`alice` share one count.
 */
const perUser = (username: string): AttemptLimit => ({
  key: storeKeys.signInFailuresOfUser(sha256Key(username.toLowerCase())),
  limit: 5,
  windowSecs: LOCK_WINDOW_SECS,
});
const perIp = (ip: string): AttemptLimit => ({
  key: storeKeys.signInFailuresFromAddress(ip),
  limit: 20,
  windowSecs: LOCK_WINDOW_SECS,
});

export type SignInResult = { ok: true; user: User } | { ok: false; locked: boolean };

/** What sign-ins report (the composition root counts them in the metrics). */
export interface SignInEvents {
  /** An attempt's outcome: `locked` when a limit refused it before any check. */
  signIn(outcome: 'succeeded' | 'failed' | 'locked'): void;
  /** An account or an address has just reached its limit: its lockout begins. */
  lockout(limit: 'account' | 'address'): void;
}

/**
 * Checks a password (argon2id) with attempt counters per username and per IP and a lockout window, so
 * neither one account nor one address can be brute-forced (RFC 9700 §4.15 spirit, OWASP ASVS 2.2.1).
 * Attempts are counted before the check, atomically (see attempts.ts); a success clears the account's
 * count and gives the address its attempt back, and a check that could not be made gives both back.
 *
 * The address is counted first, and an address over its limit touches no per-username counter: a locked-out
 * client then writes nothing new to the store (however many usernames it sends) and cannot keep pushing
 * other people's accounts into lockout.
 */
export class PasswordSignIn {
  constructor(
    private readonly store: Store,
    private readonly users: Pick<UserService, 'verifyPassword'>,
    private readonly events?: SignInEvents,
  ) {}

  async signIn(username: string, password: string, ip: string): Promise<SignInResult> {
    const result = await this.#attempt(username, password, ip);
    this.events?.signIn(result.ok ? 'succeeded' : result.locked ? 'locked' : 'failed');
    return result;
  }

  async #attempt(username: string, password: string, ip: string): Promise<SignInResult> {
    const address = perIp(ip);
    if (!(await takeAttempt(this.store, address, () => this.events?.lockout('address')))) {
      return { ok: false, locked: true };
    }
    // A longer username is no one's: refused like a wrong password before any per-username state is written
    // (a counter keyed by an attacker-sized username would last the whole window). Counted against the
    // address above, so it cannot be sent without limit either.
    if (username.length > MAX_USERNAME_LENGTH) return { ok: false, locked: false };
    const user = perUser(username);
    if (!(await takeAttempt(this.store, user, () => this.events?.lockout('account')))) {
      return { ok: false, locked: true };
    }
    const found = await this.#check(username, password, [address, user]);
    if (!found) return { ok: false, locked: false };
    await Promise.all([clearAttempts(this.store, user), giveBackAttempt(this.store, address)]);
    return { ok: true, user: found };
  }

  /**
   * The password check. When it fails for the server's own reasons (the database unreachable: a 503) it
   * checked nothing, so both attempts are given back: an outage must not lock people out of their accounts
   * once it is over. Giving back may fail too (the store down as well); the check's error is what is answered.
   */
  async #check(username: string, password: string, taken: AttemptLimit[]): Promise<User | undefined> {
    try {
      return await this.users.verifyPassword(username, password);
    } catch (err) {
      await Promise.allSettled(taken.map((a) => giveBackAttempt(this.store, a)));
      throw err;
    }
  }
}
