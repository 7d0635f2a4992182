import { and, eq, isNull, lt } from 'drizzle-orm';
import type { Db } from '../infra/db.js';
import { refreshTokens } from './schema.js';

export type RefreshTokenRow = typeof refreshTokens.$inferSelect;
export type NewRefreshTokenRow = Omit<
  typeof refreshTokens.$inferInsert,
  'rotatedAt' | 'revokedAt' | 'createdAt'
>;

/** Refresh tokens by the hash of the token (the service hashes; nothing here sees a token). */
export class RefreshTokenRepo {
  constructor(private readonly db: Db) {}

  /** Adds a token; false when the hash is already there (only a migrated legacy record can collide). */
  async insert(row: NewRefreshTokenRow): Promise<boolean> {
    const rows = await this.db
      .insert(refreshTokens)
      .values(row)
      .onConflictDoNothing()
      .returning({ tokenHash: refreshTokens.tokenHash });
    return rows.length === 1;
  }

  async find(tokenHash: string): Promise<RefreshTokenRow | undefined> {
    const rows = await this.db
      .select()
      .from(refreshTokens)
      .where(eq(refreshTokens.tokenHash, tokenHash))
      .limit(1);
    return rows[0];
  }

  /**
   * Marks the token rotated if it was not: true for exactly one caller, whichever node it runs on (one
   * conditional UPDATE; PostgreSQL's row lock makes a concurrent second one see the first's `rotated_at`).
   */
  async markRotated(tokenHash: string): Promise<boolean> {
    const rows = await this.db
      .update(refreshTokens)
      .set({ rotatedAt: new Date() })
      .where(and(eq(refreshTokens.tokenHash, tokenHash), isNull(refreshTokens.rotatedAt)))
      .returning({ tokenHash: refreshTokens.tokenHash });
    return rows.length === 1;
  }

  /** Revokes every token of a family (a grant): reuse, RFC 7009 revocation, code replay. */
  async revokeFamily(family: string): Promise<void> {
    await this.db
      .update(refreshTokens)
      .set({ revokedAt: new Date() })
      .where(and(eq(refreshTokens.family, family), isNull(refreshTokens.revokedAt)));
  }

  /** Deletes the tokens whose family expired before `now`: nothing can use them any more. */
  async purgeExpired(now = new Date()): Promise<number> {
    const rows = await this.db
      .delete(refreshTokens)
      .where(lt(refreshTokens.expiresAt, now))
      .returning({ tokenHash: refreshTokens.tokenHash });
    return rows.length;
  }
}
