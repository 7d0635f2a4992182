import { and, eq, gt, inArray, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from '../infra/db.js';
import { refreshTokens, users } from './schema.js';

export type RefreshTokenRow = typeof refreshTokens.$inferSelect;
export type NewRefreshTokenRow = Omit<
  typeof refreshTokens.$inferInsert,
  'rotatedAt' | 'revokedAt' | 'createdAt'
>;

/** What a rotation hands on to the successor token (and to the tokens issued with it). */
export type RotatedGrant = Pick<
  RefreshTokenRow,
  'family' | 'userId' | 'scope' | 'authTime' | 'sid' | 'expiresAt'
>;

/** Refresh tokens by the hash of the token (the service hashes; nothing here sees a token). */
export class RefreshTokenRepo {
  constructor(private readonly db: Db) {}

  /** Adds a token (a 256-bit random token's hash: a collision with a stored one never happens in practice). */
  async insert(row: NewRefreshTokenRow): Promise<void> {
    await this.db.insert(refreshTokens).values(row);
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
   * Rotates a live token of `clientId` (not rotated, not revoked, not expired at `now`): marks it rotated and
   * adds `nextHash` to its family with the same grant and absolute expiry — one statement, so exactly one of
   * two concurrent rotations (on any nodes) gets the row (PostgreSQL's row lock; the loser's WHERE no longer
   * matches), and there is never a rotated token without its successor. The rotated token's grant, or
   * undefined when nothing matched (the caller reads the row to say why). One statement rather than a read,
   * an update and an insert: each query is a round trip on PostgreSQL, and on PGlite time on the server's
   * only thread (≈ 140 µs for a primary-key lookup, ≈ 470 µs for this whole statement; bench/README.md).
   */
  async rotate(
    tokenHash: string,
    nextHash: string,
    clientId: string,
    now = new Date(),
  ): Promise<RotatedGrant | undefined> {
    const t = refreshTokens;
    const result = await this.db.execute<{
      family: string;
      user_id: string;
      scope: string;
      auth_time: number;
      sid: string;
      expires_at: number;
    }>(sql`
      with old as (
        update ${t} set rotated_at = ${now}
        where ${t.tokenHash} = ${tokenHash} and ${t.clientId} = ${clientId}
          and ${t.rotatedAt} is null and ${t.revokedAt} is null and ${t.expiresAt} > ${now}
        returning *
      ), successor as (
        insert into ${t} (token_hash, family, client_id, user_id, scope, auth_time, sid, expires_at)
        select ${nextHash}, family, client_id, user_id, scope, auth_time, sid, expires_at from old
      )
      select family, user_id, scope, auth_time::float8 as auth_time, sid,
        extract(epoch from expires_at)::float8 as expires_at
      from old`);
    const row = result.rows[0];
    if (row === undefined) return undefined;
    return {
      family: row.family,
      userId: row.user_id,
      scope: row.scope,
      authTime: Number(row.auth_time),
      sid: row.sid,
      expiresAt: new Date(Number(row.expires_at) * 1000),
    };
  }

  /**
   * Takes back a rotation whose answer could not be given (see RefreshTokens.rotate): deletes the successor
   * `nextHash` — which nobody was given — and makes `tokenHash` unrotated again, in one statement; a token
   * revoked meanwhile stays revoked. False when there was no such successor (nothing changed).
   */
  async undoRotation(tokenHash: string, nextHash: string): Promise<boolean> {
    const t = refreshTokens;
    const result = await this.db.execute(sql`
      with successor as (
        delete from ${t} where ${t.tokenHash} = ${nextHash} returning family
      )
      update ${t} set rotated_at = null
      where ${t.tokenHash} = ${tokenHash} and ${t.family} in (select family from successor)
      returning 1`);
    return result.rows.length > 0;
  }

  /**
   * Revokes every token of a family (a grant): reuse, RFC 7009 revocation, code replay. Repeated until it
   * finds nothing left to revoke: under READ COMMITTED one UPDATE sees only the rows committed when it
   * started, so a successor inserted by a rotation it had to wait for would otherwise stay live.
   */
  async revokeFamily(family: string): Promise<void> {
    for (let pass = 0; pass < 10; pass++) {
      const rows = await this.db
        .update(refreshTokens)
        .set({ revokedAt: new Date() })
        .where(and(eq(refreshTokens.family, family), isNull(refreshTokens.revokedAt)))
        .returning({ tokenHash: refreshTokens.tokenHash });
      if (rows.length === 0) return;
    }
  }

  /** The families revoked after `since`. */
  async revokedFamiliesSince(since: Date): Promise<string[]> {
    const rows = await this.db
      .selectDistinct({ family: refreshTokens.family })
      .from(refreshTokens)
      .where(gt(refreshTokens.revokedAt, since));
    return rows.map((r) => r.family);
  }

  /** The grants (families) a user gave a client that still have a token to revoke, with their expiry. */
  async liveFamilies(username: string, clientId: string, now = new Date()) {
    return this.db
      .selectDistinct({ family: refreshTokens.family, expiresAt: refreshTokens.expiresAt })
      .from(refreshTokens)
      .innerJoin(users, eq(users.id, refreshTokens.userId))
      .where(
        and(
          eq(users.username, username),
          eq(refreshTokens.clientId, clientId),
          isNull(refreshTokens.revokedAt),
          gt(refreshTokens.expiresAt, now),
        ),
      );
  }

  /**
   * Deletes the tokens whose family expired before `now` (nothing can use them any more), in batches so a
   * first purge after a long pause neither holds one huge statement nor loads every deleted key at once.
   */
  async purgeExpired(now = new Date(), batch = 10_000): Promise<number> {
    let deleted = 0;
    for (;;) {
      const expired = this.db
        .select({ tokenHash: refreshTokens.tokenHash })
        .from(refreshTokens)
        .where(lt(refreshTokens.expiresAt, now))
        .limit(batch);
      const rows = await this.db
        .delete(refreshTokens)
        .where(inArray(refreshTokens.tokenHash, expired))
        .returning({ tokenHash: refreshTokens.tokenHash });
      deleted += rows.length;
      if (rows.length < batch) return deleted;
    }
  }
}
