import { createPrivateKey, generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, createLocalJWKSet, errors, type JSONWebKeySet, type JWK } from 'jose';
import type { SigningKeyInfo } from '../../domain/index.js';
import { ConfigError } from '../../error/index.js';
import type { KeyRepo, SigningKeyRow } from '../../repo/keys.js';
import { decryptWithSecret, encryptWithSecret } from '../crypto/secrets.js';

/** How often `gatehouse serve` reloads the keys (picks up rotations, promotes due keys). */
export const KEY_RELOAD_INTERVAL_SECS = 60;
/** Clock difference between nodes, and verifiers' leeway, allowed for when a retired key is dropped. */
export const CLOCK_SKEW_SECS = 60;
/** Least time between two key reloads caused by a token naming an unknown `kid`. */
export const UNKNOWN_KID_RELOAD_MS = 5_000;

export interface ActiveKey {
  kid: string;
  alg: 'ES256';
  privateKey: KeyObject;
}

export interface KeyServiceOptions {
  /**
   * How long a rotated-in key is published before it signs anything: longer than every node's key reload
   * interval and the JWKS caches of relying parties, so no verifier ever meets an unknown `kid`. Default 0.
   */
  publishDelaySecs?: number;
  /** How long a retired key stays published: the longest lifetime of a token it signed, plus clock skew. */
  retiredKeySecs?: number;
  /** Told about a failed reload in {@link KeyService.refresh} (which then keeps the keys it had). */
  onReloadError?: (err: unknown) => void;
}

/** ES256 signing keys: created at first start, private JWK encrypted at rest, public half published as JWKS. */
export class KeyService {
  #active: ActiveKey | undefined;
  #jwks: JSONWebKeySet = { keys: [] };
  #verifier: ReturnType<typeof createLocalJWKSet> = createLocalJWKSet({ keys: [] });
  #loadedAt = 0;
  /** The kids currently published, to tell whether a reload changed anything. */
  #published: string | undefined;
  #reloading: Promise<void> | undefined;

  readonly #publishDelaySecs: number;
  readonly #retiredKeySecs: number;
  readonly #onReloadError: (err: unknown) => void;

  constructor(
    private readonly repo: KeyRepo,
    private readonly jwtSecret: string,
    options: KeyServiceOptions = {},
  ) {
    this.#publishDelaySecs = options.publishDelaySecs ?? 0;
    this.#retiredKeySecs = options.retiredKeySecs ?? Number.POSITIVE_INFINITY;
    this.#onReloadError = options.onReloadError ?? (() => undefined);
  }

  /** Loads keys, creating the first one if none is active. */
  async init(): Promise<void> {
    await this.reload();
    if (!this.#active) {
      await this.#create('first');
      await this.reload();
    }
  }

  /**
   * Loads the keys from the database, first promoting a `next` key whose publication delay is over — only
   * one this node can decrypt: a key written under another secret must never become the one every node is
   * told to sign with. Throws a ConfigError when the active key cannot be decrypted (wrong
   * `security.jwt_secret`); a node that was running keeps the key it had.
   */
  async reload(): Promise<void> {
    await this.repo.promoteDue(new Date(Date.now() - this.#publishDelaySecs * 1000), (row) =>
      this.#canDecrypt(row),
    );
    const retiredBefore = Date.now() - this.#retiredKeySecs * 1000;
    // A retired key leaves the JWKS once every token it signed has expired.
    const rows = (await this.repo.list()).filter(
      (r) => r.status !== 'retired' || (r.retiredAt?.getTime() ?? 0) > retiredBefore,
    );
    const active = rows.find((r) => r.status === 'active');
    this.#active = active ? { kid: active.kid, alg: 'ES256', privateKey: this.#decrypt(active) } : undefined;
    // A new verifier only when the published key set changed: AccessTokens drops its cache of verified
    // tokens whenever the verifier changes, and a routine reload must not empty it.
    const published = rows.map((r) => r.kid).join(' ');
    if (published !== this.#published) {
      this.#jwks = { keys: rows.map((r) => ({ ...r.publicJwk, kid: r.kid, alg: r.alg, use: 'sig' }) as JWK) };
      this.#verifier = createLocalJWKSet(this.#jwks);
      this.#published = published;
    }
    this.#loadedAt = Date.now();
  }

  /**
   * Reloads unless the keys were loaded less than `maxAgeMs` ago; concurrent callers share one reload.
   * For the JWKS endpoint (a key rotated on another node is published within seconds) and for tokens with
   * an unknown `kid` (which must not turn into one database query per forged token).
   */
  async refresh(maxAgeMs: number): Promise<void> {
    if (Date.now() - this.#loadedAt < maxAgeMs) return;
    this.#reloading ??= this.reload()
      .catch((err: unknown) => {
        // The database is down or a key cannot be decrypted: keep serving what was loaded, and do not
        // retry on every request (a JWKS fetch or a forged kid must not become a query each).
        this.#loadedAt = Date.now();
        this.#onReloadError(err);
      })
      .finally(() => {
        this.#reloading = undefined;
      });
    await this.#reloading;
  }

  /**
   * Adds a new key: published in the JWKS at once (status `next`) and used for signing once
   * `publishDelaySecs` have passed (at the next reload on each node); the previous key is then retired but
   * stays in the JWKS so the tokens it signed still verify.
   */
  async rotate(): Promise<{ kid: string; activeFrom: Date }> {
    // Refuse before writing anything when this process's secret is not the one the keys are under (a CLI
    // run without JWT_SECRET, say): its key could be published but never used by the nodes.
    const active = (await this.repo.list()).find((r) => r.status === 'active');
    if (active !== undefined) this.#decrypt(active);
    const kid = await this.#create('next');
    await this.reload();
    return { kid, activeFrom: new Date(Date.now() + this.#publishDelaySecs * 1000) };
  }

  async list(): Promise<SigningKeyInfo[]> {
    return (await this.repo.list()).map((r) => ({
      kid: r.kid,
      alg: r.alg,
      status: r.status as SigningKeyInfo['status'],
      createdAt: r.createdAt,
    }));
  }

  active(): ActiveKey {
    if (!this.#active) throw new Error('no active signing key (KeyService.init not called)');
    return this.#active;
  }

  jwks(): JSONWebKeySet {
    return this.#jwks;
  }

  verifier(): ReturnType<typeof createLocalJWKSet> {
    return this.#verifier;
  }

  /**
   * Runs `verify` with the published keys. A `kid` not loaded here may be a key another node has just
   * created: then the keys are reloaded — at most every {@link UNKNOWN_KID_RELOAD_MS}, so forged kids stay
   * cheap — and `verify` runs once more. Any other failure, or the second one, is thrown.
   */
  async verifyWithReload<T>(verify: (keys: ReturnType<typeof createLocalJWKSet>) => Promise<T>): Promise<T> {
    try {
      return await verify(this.#verifier);
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey)) throw err;
      await this.refresh(UNKNOWN_KID_RELOAD_MS);
      return await verify(this.#verifier);
    }
  }

  #decrypt(row: SigningKeyRow): KeyObject {
    let jwk: string;
    try {
      jwk = decryptWithSecret(row.privateJwkEncrypted, this.jwtSecret);
    } catch {
      throw new ConfigError(
        `security.jwt_secret cannot decrypt signing key ${row.kid}: it is not the secret the signing keys were ` +
          'encrypted with (every node and the CLI need the same JWT_SECRET)',
      );
    }
    return createPrivateKey({ key: JSON.parse(jwk) as JWK & { kty: string }, format: 'jwk' });
  }

  #canDecrypt(row: SigningKeyRow): boolean {
    try {
      this.#decrypt(row);
      return true;
    } catch {
      return false;
    }
  }

  async #create(status: 'first' | 'next'): Promise<string> {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const publicJwk = publicKey.export({ format: 'jwk' }) as JWK;
    const privateJwk = privateKey.export({ format: 'jwk' });
    const kid = `${(await calculateJwkThumbprint(publicJwk)).slice(0, 16)}-${randomUUID().slice(0, 8)}`;
    const row = {
      kid,
      alg: 'ES256',
      publicJwk: publicJwk as Record<string, unknown>,
      privateJwkEncrypted: encryptWithSecret(JSON.stringify(privateJwk), this.jwtSecret),
      status: status === 'first' ? 'active' : 'next',
    };
    // The first key signs at once (nothing to verify yet); nodes starting together agree on one.
    if (status === 'first') await this.repo.insertIfNoneActive(row);
    else await this.repo.insert(row);
    return kid;
  }
}
