import { jwtVerify } from 'jose';
import type { AccessTokenClaims, Client } from '../../domain/index.js';
import { BoundedCache } from '../../infra/bounded-cache.js';
import type { SigningWorker } from '../../infra/signing-worker.js';
import { type Store, storeKeys } from '../../infra/store/index.js';
import { nowSecs } from '../clock.js';
import { sha256Key } from '../crypto/hash.js';
import type { KeyService } from '../keys/keys.js';
import { signEs256JwtInWorker } from './jwt.js';

/** Longest time one signature check is reused (never past the token's own `exp`). */
export const VERIFIED_TOKEN_CACHE_TTL_MS = 60_000;
const VERIFIED_TOKEN_CACHE_MAX = 10_000;

export type IntrospectionResponse =
  | { active: false }
  | ({ active: true; token_type: 'Bearer' } & AccessTokenClaims);

const revokedKey = storeKeys.revokedAccessToken;
/** A revoked user grant; the grant id is also the refresh family's id. */
const grantRevokedKey = storeKeys.revokedGrant;
/** Margin past a token's `exp` for a revocation record: clock skew and requests in flight. */
const REVOCATION_MARGIN_SECS = 5;

/**
 * The access tokens this server issues (RFC 9068 JWTs): signing, verification with a cache of checks, and
 * revocation of one token (its `jti`) or of a whole user grant (its `grant_id`) in the shared store.
 */
export class AccessTokens {
  /**
   * SHA-256(token) → claims of an access token whose signature, issuer, `typ` and algorithm jose already
   * verified. Why reusing a check is safe:
   * - the key is the hash of the whole compact JWS, so only the byte-identical token hits, and its claims
   *   are exactly the ones that were verified (they are covered by the signature);
   * - expiry is checked again on every hit (`exp` > now, as jose does), and an entry never outlives `exp`;
   * - revocation is not cached here: every caller (introspection, userinfo, revocation) still looks the
   *   `jti` (and `grant_id`) up in the store on every request;
   * - key retirement / removal: entries belong to one verifier (JWKS). KeyService builds a new verifier on
   *   every key change (rotation, reload after an unknown `kid`), and then the whole cache is dropped, so a
   *   token whose key is no longer published is verified again (and fails);
   * - bounded: at most 10,000 entries for at most 60 s each, and only successful checks are stored, so
   *   unauthenticated garbage cannot fill it; the token itself is not kept, only its hash.
   */
  readonly #verified = new BoundedCache<AccessTokenClaims>(VERIFIED_TOKEN_CACHE_MAX);
  #verifiedWith: unknown;

  constructor(
    private readonly keys: KeyService,
    private readonly store: Store,
    private readonly signer: SigningWorker,
    private readonly opts: { issuer: string; accessTokenTtlSecs: number },
  ) {}

  /**
   * Signs an access token (RFC 9068 §2) on the signing worker, so the event loop serves other requests
   * meanwhile. `expires_in` of the response is {@link ttlSecs}.
   */
  sign(claims: AccessTokenClaims): Promise<string> {
    return signEs256JwtInWorker(this.signer, this.keys.active(), 'at+jwt', claims);
  }

  /** Lifetime of the access tokens this server issues (`oauth.access_token_ttl_secs`). */
  get ttlSecs(): number {
    return this.opts.accessTokenTtlSecs;
  }

  /** Verifies signature, issuer, type and expiry; undefined for anything not a live token of ours. */
  async verify(token: string): Promise<AccessTokenClaims | undefined> {
    const verifier = this.keys.verifier();
    if (verifier !== this.#verifiedWith) {
      this.#verified.clear();
      this.#verifiedWith = verifier;
    }
    const hash = sha256Key(token);
    const now = Date.now();
    const hit = this.#verified.get(hash, now);
    if (hit !== undefined) return hit.exp * 1000 > now ? hit : undefined;
    const claims = await this.#verifyUncached(token);
    // Stored only if the verifier did not change while jose was checking (a reload in between).
    if (claims !== undefined && typeof claims.exp === 'number' && this.keys.verifier() === verifier) {
      this.#verified.set(hash, claims, Math.min(claims.exp * 1000, now + VERIFIED_TOKEN_CACHE_TTL_MS));
    }
    return claims;
  }

  async #verifyUncached(token: string): Promise<AccessTokenClaims | undefined> {
    try {
      const { payload } = await this.keys.verifyWithReload((keys) =>
        jwtVerify<AccessTokenClaims>(token, keys, {
          issuer: this.opts.issuer,
          typ: 'at+jwt',
          algorithms: ['ES256'],
        }),
      );
      return payload;
    } catch {
      return undefined;
    }
  }

  /** RFC 7662 for an access token (the endpoint's parameter checks are in introspection.ts). */
  async introspect(token: string): Promise<IntrospectionResponse> {
    const claims = await this.liveClaims(token);
    return claims ? { active: true, token_type: 'Bearer', ...claims } : { active: false };
  }

  /**
   * The claims of a valid access token of ours that has not been revoked, by itself or with its grant;
   * undefined otherwise. A client-credentials token costs one store lookup; a user token reads both of
   * its records in one call (one Redis round trip).
   */
  async liveClaims(token: string): Promise<AccessTokenClaims | undefined> {
    const claims = await this.verify(token);
    if (!claims || typeof claims.jti !== 'string') return undefined;
    if (typeof claims.grant_id !== 'string') {
      return (await this.store.get(revokedKey(claims.jti))) === undefined ? claims : undefined;
    }
    const records = await this.store.getMany([revokedKey(claims.jti), grantRevokedKey(claims.grant_id)]);
    return records.every((r) => r === undefined) ? claims : undefined;
  }

  /** Marks an access token id revoked on every node for `ttlSecs` (until the token would expire anyway). */
  async revokeId(jti: string, ttlSecs: number): Promise<void> {
    await this.store.set(revokedKey(jti), '1', ttlSecs, { priority: 'keep' });
  }

  /**
   * Revokes a user grant on every node: every access token carrying its `grant_id` becomes inactive, and
   * the refresh tokens of the grant are refused. The record lasts until `untilSecs` (the refresh family's
   * absolute expiry) and at least as long as an access token issued just now would live.
   */
  async revokeGrant(grantId: string, untilSecs: number): Promise<void> {
    const ttl = Math.max(untilSecs - nowSecs(), this.opts.accessTokenTtlSecs) + REVOCATION_MARGIN_SECS;
    await this.store.set(grantRevokedKey(grantId), '1', ttl, { priority: 'keep' });
  }

  /** Whether `revokeGrant` was called for this grant (and its record has not yet expired). */
  async grantRevoked(grantId: string): Promise<boolean> {
    return (await this.store.get(grantRevokedKey(grantId))) !== undefined;
  }

  /**
   * RFC 7009 for an access token: only the client the token was issued to can revoke it; unknown tokens are
   * ignored (the endpoint's parameter checks are in revocation.ts).
   */
  async revoke(client: Client, token: string): Promise<void> {
    const claims = await this.verify(token);
    if (!claims || typeof claims.jti !== 'string' || claims.client_id !== client.clientId) return;
    const ttl = claims.exp - nowSecs();
    if (ttl > 0) await this.revokeId(claims.jti, ttl + REVOCATION_MARGIN_SECS);
  }
}
