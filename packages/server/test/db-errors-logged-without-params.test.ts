import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../src/infra/db.js';
import { capturedLogger } from './support/log-capture.js';

describe('database errors in the logs', () => {
  it("logs a failed query's SQL but not its parameters (drizzle puts them in the message and the stack)", async () => {
    const db = await openDatabase('memory://', '/tmp');
    const { logger, text } = capturedLogger();
    try {
      const secret = 'argon2-hash-that-must-not-be-logged';
      const err = await db.db.execute(sql`select * from no_such_table where password_hash = ${secret}`).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(String((err as Error).message)).toContain(secret); // what drizzle would have logged
      logger.error({ err }, 'unhandled error');
      const out = text();
      expect(out).toContain('no_such_table');
      expect(out).toContain('params: [redacted]');
      expect(out).not.toContain(secret);
    } finally {
      await db.close();
    }
  });
});
