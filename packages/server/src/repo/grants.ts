import { lt } from 'drizzle-orm';
import type { Db } from '../infra/db.js';
import { grants } from './schema.js';

/** Marker rows that make single-use steps atomic across nodes (docs/decisions.md "Single use"). */
export class GrantRepo {
  constructor(private readonly db: Db) {}

  /** Inserts the marker; false when it already exists (used by another request, on any node). */
  async claim(row: {
    id: string;
    kind: string;
    clientId: string;
    subject?: string;
    expiresAt: number;
  }): Promise<boolean> {
    const rows = await this.db
      .insert(grants)
      .values({ ...row, subject: row.subject ?? null, scope: '' })
      .onConflictDoNothing()
      .returning({ id: grants.id });
    return rows.length > 0;
  }

  /**
   * Deletes markers past their expiry: by then what they guarded (a code, a refresh family, an assertion's
   * `exp`) is refused anyway. Returns how many rows went.
   */
  async purgeExpired(nowSecs: number): Promise<number> {
    const rows = await this.db
      .delete(grants)
      .where(lt(grants.expiresAt, nowSecs))
      .returning({ id: grants.id });
    return rows.length;
  }
}
