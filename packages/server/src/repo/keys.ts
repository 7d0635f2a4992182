import { and, desc, eq, lte, sql } from 'drizzle-orm';
import type { Db } from '../infra/db.js';
import { signingKeys } from './schema.js';

export type SigningKeyRow = typeof signingKeys.$inferSelect;

export class KeyRepo {
  constructor(private readonly db: Db) {}

  async list(): Promise<SigningKeyRow[]> {
    return this.db.select().from(signingKeys).orderBy(desc(signingKeys.createdAt));
  }

  async insert(row: Omit<SigningKeyRow, 'createdAt' | 'retiredAt'>): Promise<void> {
    await this.db.insert(signingKeys).values(row);
  }

  /**
   * Inserts `row` unless an active key exists, under a transaction-scoped advisory lock so that nodes starting
   * together on an empty database agree on one key. Returns whether the row was inserted.
   */
  async insertIfNoneActive(row: Omit<SigningKeyRow, 'createdAt' | 'retiredAt'>): Promise<boolean> {
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

  /**
   * Makes the newest `next` key created at or before `cutoff` that is `usable` the active one and retires the previous
   * active key (and any older `next` keys). Idempotent and serialised by an advisory lock, so every node
   * may call it on each reload. Returns the newly active kid, if any.
   */
  async promoteDue(cutoff: Date, usable: (row: SigningKeyRow) => boolean): Promise<string | undefined> {
    return this.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(7243310001)`);
      const due = await tx
        .select()
        .from(signingKeys)
        .where(and(eq(signingKeys.status, 'next'), lte(signingKeys.createdAt, cutoff)))
        .orderBy(desc(signingKeys.createdAt));
      // The newest due key the caller can use (decrypt); one it cannot is left as it is.
      const next = due.find(usable);
      if (!next) return undefined;
      const retiredAt = new Date();
      await tx
        .update(signingKeys)
        .set({ status: 'retired', retiredAt })
        .where(eq(signingKeys.status, 'active'));
      await tx
        .update(signingKeys)
        .set({ status: 'retired', retiredAt })
        .where(and(eq(signingKeys.status, 'next'), lte(signingKeys.createdAt, next.createdAt)));
      await tx.update(signingKeys).set({ status: 'active' }).where(eq(signingKeys.kid, next.kid));
      return next.kid;
    });
  }
}
