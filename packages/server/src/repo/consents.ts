import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../infra/db.js';
import { consents, users } from './schema.js';

export class ConsentRepo {
  constructor(private readonly db: Db) {}

  /** The scopes the user has granted the client, or undefined when there is no record. */
  async find(userId: string, clientId: string): Promise<string[] | undefined> {
    const rows = await this.db
      .select({ scopes: consents.scopes })
      .from(consents)
      .where(and(eq(consents.userId, userId), eq(consents.clientId, clientId)))
      .limit(1);
    return rows[0]?.scopes;
  }

  /**
   * Adds `scopes` to what the user granted the client and returns the union. One statement, so two
   * approvals arriving at once (two tabs, two nodes) both end up in the record.
   */
  async grant(userId: string, clientId: string, scopes: readonly string[]): Promise<string[]> {
    const rows = await this.db
      .insert(consents)
      .values({ userId, clientId, scopes: [...scopes] })
      .onConflictDoUpdate({
        target: [consents.userId, consents.clientId],
        set: {
          scopes: sql`(select coalesce(jsonb_agg(distinct s order by s), '[]'::jsonb)
            from jsonb_array_elements_text(${consents.scopes} || excluded.scopes) as s)`,
          updatedAt: new Date(),
        },
      })
      .returning({ scopes: consents.scopes });
    return rows[0]?.scopes ?? [...scopes];
  }

  /** Every client a user has granted something to (for operators; newest first). */
  async listForUser(username: string): Promise<{ clientId: string; scopes: string[]; updatedAt: Date }[]> {
    return this.db
      .select({ clientId: consents.clientId, scopes: consents.scopes, updatedAt: consents.updatedAt })
      .from(consents)
      .innerJoin(users, eq(users.id, consents.userId))
      .where(eq(users.username, username))
      .orderBy(sql`${consents.updatedAt} desc`);
  }

  /** Forgets what the user (by username) granted the client; the user's id when there was a record. */
  async revoke(username: string, clientId: string): Promise<string | undefined> {
    const rows = await this.db
      .delete(consents)
      .where(
        and(
          eq(consents.clientId, clientId),
          inArray(
            consents.userId,
            this.db.select({ id: users.id }).from(users).where(eq(users.username, username)),
          ),
        ),
      )
      .returning({ userId: consents.userId });
    return rows[0]?.userId;
  }
}
