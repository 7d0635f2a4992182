import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { User } from '../domain/index.js';
import type { Db } from '../infra/db.js';
import { users } from './schema.js';
import { canBeStoredAsText } from './text.js';

export class UserRepo {
  constructor(private readonly db: Db) {}

  async findByUsername(username: string): Promise<(User & { passwordHash: string }) | undefined> {
    if (!canBeStoredAsText(username)) return undefined;
    const rows = await this.db.select().from(users).where(eq(users.username, username)).limit(1);
    const r = rows[0];
    return r
      ? { id: r.id, username: r.username, email: r.email, name: r.name, passwordHash: r.passwordHash }
      : undefined;
  }

  async findById(id: string): Promise<User | undefined> {
    if (!canBeStoredAsText(id)) return undefined;
    const rows = await this.db.select().from(users).where(eq(users.id, id)).limit(1);
    const r = rows[0];
    return r ? { id: r.id, username: r.username, email: r.email, name: r.name } : undefined;
  }

  async upsert(u: {
    username: string;
    passwordHash: string;
    email: string | null;
    name: string | null;
  }): Promise<void> {
    await this.db
      .insert(users)
      .values({ id: randomUUID(), ...u })
      .onConflictDoUpdate({
        target: users.username,
        set: { passwordHash: u.passwordHash, email: u.email, name: u.name, updatedAt: new Date() },
      });
  }

  async deleteByUsername(username: string): Promise<boolean> {
    if (!canBeStoredAsText(username)) return false;
    const rows = await this.db.delete(users).where(eq(users.username, username)).returning({ id: users.id });
    return rows.length > 0;
  }

  async setPasswordHash(username: string, passwordHash: string): Promise<boolean> {
    const rows = await this.db
      .update(users)
      .set({ passwordHash, updatedAt: new Date() })
      .where(eq(users.username, username))
      .returning({ id: users.id });
    return rows.length > 0;
  }
}
