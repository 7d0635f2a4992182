import { desc, eq } from 'drizzle-orm';
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

  async retireAllActive(): Promise<void> {
    await this.db.update(signingKeys).set({ status: 'retired' }).where(eq(signingKeys.status, 'active'));
  }
}
