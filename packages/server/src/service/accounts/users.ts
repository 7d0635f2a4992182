import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import type { UserSeed } from '../../config/index.js';
import type { User } from '../../domain/index.js';
import { ReadThroughCache } from '../../infra/read-through-cache.js';
import type { UserRepo } from '../../repo/users.js';

/** argon2id, OWASP-recommended parameters. */
const ARGON2 = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/**
 * How long a user record found by id may be served from this node's memory. Every single sign-on and every
 * token issued for a user checks that the user still exists; without this cache that is a database read per
 * authorization request and per token (the embedded PGlite spends ~0.5 ms on it). Changes made through this
 * service take effect on this node at once; a user deleted on another node or directly in the database loses
 * single sign-on and new tokens within this time — well inside the lifetime of the access tokens they already
 * hold.
 */
export const USER_CACHE_TTL_MS = 30_000;
const USER_CACHE_MAX = 10_000;

export class UserService {
  /** A hash no password matches, verified for unknown usernames (see {@link verifyPassword}). */
  #dummyHash: Promise<string> | undefined;
  /** id → record, for {@link USER_CACHE_TTL_MS}. */
  readonly #byId = new ReadThroughCache<User>(USER_CACHE_TTL_MS, USER_CACHE_MAX);

  constructor(private readonly repo: UserRepo) {}

  /** The user with this id, from the short-lived in-process cache when possible (see {@link USER_CACHE_TTL_MS}). */
  find(id: string): Promise<User | undefined> {
    return this.#byId.get(id, (key) => this.repo.findById(key));
  }

  /**
   * Deletes a user. Their remembered consents go with them (foreign key); their single sign-on session and
   * the codes, refresh tokens and device grants issued to them stop working at their next use, because each
   * checks that the user still exists; so do userinfo and introspection for their access tokens (which still
   * verify offline, by signature, until they expire).
   */
  delete(username: string): Promise<boolean> {
    // Cached by id, changed by username: every entry is forgotten.
    return this.#byId.change(undefined, () => this.repo.deleteByUsername(username));
  }

  /**
   * The user whose password this is, or undefined. An unknown username costs the same argon2id verification
   * as a wrong password (against a hash no password matches), so response times do not tell which usernames
   * exist (OWASP ASVS 2.2.1 / account enumeration).
   */
  async verifyPassword(username: string, password: string): Promise<User | undefined> {
    const user = await this.repo.findByUsername(username);
    this.#dummyHash ??= hash(randomBytes(32).toString('base64url'), ARGON2);
    const passwordHash = user?.passwordHash ?? (await this.#dummyHash);
    let ok: boolean;
    try {
      ok = await verify(passwordHash, password);
    } catch {
      ok = false; // a malformed stored hash signs nobody in
    }
    if (!ok || !user) return undefined;
    const { passwordHash: _hash, ...rest } = user;
    return rest;
  }

  async exists(username: string): Promise<boolean> {
    return (await this.repo.findByUsername(username)) !== undefined;
  }

  async upsert(seed: UserSeed): Promise<void> {
    const passwordHash = await hash(seed.password, ARGON2);
    await this.#byId.change(undefined, () =>
      this.repo.upsert({
        username: seed.username,
        passwordHash,
        email: seed.email ?? null,
        name: seed.name ?? null,
      }),
    );
  }

  async setPassword(username: string, password: string): Promise<boolean> {
    return this.repo.setPasswordHash(username, await hash(password, ARGON2));
  }
}
