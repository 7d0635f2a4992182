import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import type { UserSeed } from '../config/index.js';
import type { User } from '../domain/index.js';
import type { UserRepo } from '../repo/users.js';

/** argon2id, OWASP-recommended parameters. */
const ARGON2 = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export class UserService {
  /** A hash no password matches, verified for unknown usernames (see {@link verifyPassword}). */
  #dummyHash: Promise<string> | undefined;

  constructor(private readonly repo: UserRepo) {}

  find(id: string): Promise<User | undefined> {
    return this.repo.findById(id);
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

  async upsert(seed: UserSeed): Promise<void> {
    await this.repo.upsert({
      username: seed.username,
      passwordHash: await hash(seed.password, ARGON2),
      email: seed.email ?? null,
      name: seed.name ?? null,
    });
  }

  async setPassword(username: string, password: string): Promise<boolean> {
    return this.repo.setPasswordHash(username, await hash(password, ARGON2));
  }
}
