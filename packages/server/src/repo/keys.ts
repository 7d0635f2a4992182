import { desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../infra/db.js';
import { signingKeys } from './schema.js';

export type SigningKeyRow = typeof signingKeys.$inferSelect;

export class KeyRepo {
  constructor(private readonly db: Db) {}

  async list(): Promise<SigningKeyRow[]> {
    return this.db.select().from(signingKeys).orderBy(desc(signingKeys.createdAt));
  }

  async insert(row: Omit<SigningKeyRow, 'createdAt'>): Promise<void> {
    await this.db.insert(signingKeys).values(row);
  }

  /**
   * Inserts `row` unless an active key exists, under a transaction-scoped advisory lock so that nodes starting
   * together on an empty database agree on one key. Returns whether the row was inserted.
   */
  async insertIfNoneActive(row: Omit<SigningKeyRow, 'createdAt'>): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(7243310001)`);
      const active = await tx
        .select({ kid: signingKeys.kid })
        .from(signingKeys)
        .where(eq(signingKeys.status, 'active'))
        .limit(1);
      if (active.length > 0) return false;
      await tx.insert(signingKeys).values(row);
      return true;
    });
  }

  async retireAllActive(): Promise<void> {
    await this.db.update(signingKeys).set({ status: 'retired' }).where(eq(signingKeys.status, 'active'));
  }
}
