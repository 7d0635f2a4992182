import { hash } from '@node-rs/argon2';
import type { UserSeed } from '../config/index.js';
import type { User } from '../domain/index.js';
import type { UserRepo } from '../repo/users.js';

/** argon2id, OWASP-recommended parameters. */
const ARGON2 = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export class UserService {
  constructor(private readonly repo: UserRepo) {}

  find(id: string): Promise<User | undefined> {
    return this.repo.findById(id);
  }

  /** For the password check at sign-in only; the hash never leaves the login service. */
  findWithPasswordHash(username: string): Promise<(User & { passwordHash: string }) | undefined> {
    return this.repo.findByUsername(username);
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
