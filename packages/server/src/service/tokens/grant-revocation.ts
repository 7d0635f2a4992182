import type { RefreshTokenRepo } from '../../repo/refresh-tokens.js';
import { nowSecs } from '../clock.js';
import { CLOCK_SKEW_SECS } from '../keys/keys.js';
import type { AccessTokens } from './access-tokens.js';

export interface GrantRevocationOptions {
  refreshTokenTtlSecs: number;
  accessTokenTtlSecs: number;
}

/**
 * Revocation of a whole user grant (RFC 7009 §2.1, RFC 9700 §4.14.2): every refresh token of its family and
 * every access token it issued (they all carry its `grant_id`). Two records say so: the store's marker, which
 * every node reads before it accepts an access token, and `revoked_at` on the family's rows.
 */
export class GrantRevocation {
  constructor(
    private readonly accessTokens: Pick<AccessTokens, 'revokeGrant' | 'grantRevoked'>,
    private readonly refreshTokens: Pick<
      RefreshTokenRepo,
      'revokeFamily' | 'liveFamilies' | 'revokedFamiliesSince'
    >,
    private readonly opts: GrantRevocationOptions,
  ) {}

  /**
   * Revokes the grant until `absExp`, its family's absolute expiry. Without a record (a code replayed) the
   * family can have been started at most now, so it ends at most one refresh lifetime from now.
   */
  async revoke(grantId: string, absExp = nowSecs() + this.opts.refreshTokenTtlSecs): Promise<void> {
    // The store's marker makes the grant's access tokens inactive on every node; the rows make its refresh
    // tokens unusable for good. In this order: see revokedInStore.
    await this.accessTokens.revokeGrant(grantId, absExp);
    await this.refreshTokens.revokeFamily(grantId);
  }

  /**
   * Whether the grant is revoked in the store; if so, its rows are marked too. {@link revoke} writes the
   * store's marker before it marks the family's rows, so a row written while a revocation ran may have been
   * missed by the row update; reading the marker after the row is written catches it in either order.
   */
  async revokedInStore(family: string): Promise<boolean> {
    if (!(await this.accessTokens.grantRevoked(family))) return false;
    await this.refreshTokens.revokeFamily(family);
    return true;
  }

  /**
   * Revokes every grant the user gave the client that can still be refreshed — its refresh tokens and every
   * access token they issued — when the user withdraws consent: the application loses what it was given, not
   * only the right to be answered without asking. (An access token issued without a refresh token has no
   * record to find; it expires on its own, within `oauth.access_token_ttl_secs`.) The number of grants revoked.
   */
  async revokeClientGrantsOf(username: string, clientId: string): Promise<number> {
    const families = await this.refreshTokens.liveFamilies(username, clientId);
    for (const { family, expiresAt } of families) {
      await this.revoke(family, Math.floor(expiresAt.getTime() / 1000));
    }
    return families.length;
  }

  /**
   * The in-process store forgets at a restart the grant revocations it held, and the access tokens of a grant
   * revoked within the last access-token lifetime would be active again until they expire. The grant's
   * refresh tokens still carry `revoked_at`: the markers are written again from them at start (Redis keeps its
   * own). Grants revoked without a refresh token (a code replayed before any was issued) leave no row to
   * restore from. The number of grants restored.
   */
  async restoreAfterRestart(): Promise<number> {
    const since = nowSecs() - this.opts.accessTokenTtlSecs - CLOCK_SKEW_SECS;
    const families = await this.refreshTokens.revokedFamiliesSince(new Date(since * 1000));
    // untilSecs 0: the marker lasts one access-token lifetime from now, longer than any token it covers.
    for (const family of families) await this.accessTokens.revokeGrant(family, 0);
    return families.length;
  }
}
