import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  errors,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import type { Client } from '../../domain/index.js';
import { invalidClient } from '../../error/index.js';

/** RFC 7523 §2.2: the only client_assertion_type we accept. */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Asymmetric algorithms only: HS* would need a shared secret (that is client_secret_jwt), `none` proves nothing. */
export const ASSERTION_SIGNING_ALGS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

/** An assertion may live at most this long (RFC 7523 §3 item 4 lets the server bound exp). */
export const MAX_ASSERTION_LIFETIME_SECS = 300;
/** Allowed clock difference between the client and us, for exp, nbf and iat. */
export const ASSERTION_CLOCK_SKEW_SECS = 30;

export interface ClientAssertionOptions {
  /** Our issuer; the token endpoint URL is derived from it. */
  issuer: string;
  /** Records a jti until its exp; false when already used (atomic across nodes). */
  claimJti: (clientId: string, jti: string, exp: number) => Promise<boolean>;
  /** jwks_uri fetch timeout (ms). */
  jwksTimeoutMs?: number;
  /** Minimum time between two fetches of one jwks_uri (ms); an unknown kid refetches after it. */
  jwksCooldownMs?: number;
  /** How long a fetched jwks_uri is used without refetching (ms). */
  jwksCacheMaxAgeMs?: number;
}

const fail = (description: string) => invalidClient(description, false);

/** Reads iss/sub of an assertion before verification, only to find which client's keys to use. */
export function unverifiedSubject(assertion: string): string | undefined {
  try {
    const claims = decodeJwt(assertion);
    return typeof claims.sub === 'string' ? claims.sub : undefined;
  } catch {
    throw fail('client_assertion is not a JWT');
  }
}

/**
 * Verifies private_key_jwt client assertions (RFC 7523 §2.2 and §3, OIDC Core §9, RFC 7521 §4.2).
 * Every failure is invalid_client; descriptions name the failed check and never echo the assertion.
 */
export class ClientAssertionVerifier {
  /** client_id → remote key set for its jwks_uri; replaced when the registered URI changes. */
  readonly #remote = new Map<string, { uri: string; getKey: JWTVerifyGetKey }>();
  /** Imported inline key sets, per client record (records are cached by ClientService, then dropped). */
  readonly #local = new WeakMap<Client, JWTVerifyGetKey>();
  readonly #audiences: string[];

  constructor(readonly options: ClientAssertionOptions) {
    // RFC 7523 §3 item 3: aud identifies the authorization server — its token endpoint URL (OIDC Core
    // §9) or its issuer (RFC 7523 / RFC 8414 practice, what openid-client sends): both are accepted.
    this.#audiences = [options.issuer, `${options.issuer}/api/oauth/token`];
  }

  #keys(client: Client): JWTVerifyGetKey {
    if (client.jwks) {
      let getKey = this.#local.get(client);
      if (getKey === undefined) {
        getKey = createLocalJWKSet(client.jwks as JSONWebKeySet);
        this.#local.set(client, getKey);
      }
      return getKey;
    }
    const uri = client.jwksUri;
    if (!uri) throw fail('client has no registered keys (jwks or jwks_uri)');
    const cached = this.#remote.get(client.clientId);
    if (cached?.uri === uri) return cached.getKey;
    const getKey = createRemoteJWKSet(new URL(uri), {
      timeoutDuration: this.options.jwksTimeoutMs ?? 5_000,
      cooldownDuration: this.options.jwksCooldownMs ?? 30_000,
      cacheMaxAge: this.options.jwksCacheMaxAgeMs ?? 10 * 60_000,
    });
    this.#remote.set(client.clientId, { uri, getKey });
    return getKey;
  }

  /** Verifies `assertion` for `client` (registered for private_key_jwt) and consumes its jti. */
  async verify(client: Client, assertion: string): Promise<void> {
    const keys = this.#keys(client);
    let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
    try {
      ({ payload } = await jwtVerify(assertion, keys, {
        algorithms: ASSERTION_SIGNING_ALGS,
        // RFC 7523 §3 items 1-2: iss and sub are both the client_id.
        issuer: client.clientId,
        subject: client.clientId,
        audience: this.#audiences,
        clockTolerance: ASSERTION_CLOCK_SKEW_SECS,
        requiredClaims: ['iss', 'sub', 'aud', 'exp', 'jti'],
      }));
    } catch (err) {
      throw fail(describe(err));
    }
    const now = Math.floor(Date.now() / 1000);
    const exp = payload.exp as number;
    if (exp > now + MAX_ASSERTION_LIFETIME_SECS + ASSERTION_CLOCK_SKEW_SECS) {
      throw fail(`client assertion "exp" is more than ${MAX_ASSERTION_LIFETIME_SECS} seconds in the future`);
    }
    if (payload.iat !== undefined && payload.iat > now + ASSERTION_CLOCK_SKEW_SECS) {
      throw fail('client assertion "iat" is in the future');
    }
    const jti = payload.jti;
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256) {
      throw fail('client assertion "jti" must be a string of 1 to 256 characters');
    }
    // RFC 7523 §3 item 7 / OIDC Core §9: a jti is accepted once. The claim is an atomic set-if-absent in
    // the store (not a get-then-set), so two nodes racing on one replay cannot both succeed; it is kept
    // until the assertion's exp, after which the assertion is useless anyway.
    if (!(await this.options.claimJti(client.clientId, jti, exp + ASSERTION_CLOCK_SKEW_SECS))) {
      throw fail('client assertion "jti" has already been used');
    }
  }
}

function describe(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'client assertion is expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'aud') return 'client assertion "aud" must be the issuer or the token endpoint URL';
    if (err.claim === 'iss' || err.claim === 'sub') {
      return `client assertion "${err.claim}" must be the client_id`;
    }
    if (err.reason === 'missing') return `client assertion "${err.claim}" claim is required`;
    return `client assertion "${err.claim}" claim is invalid`;
  }
  if (err instanceof errors.JOSEAlgNotAllowed) {
    return `client assertion algorithm not allowed (use one of ${ASSERTION_SIGNING_ALGS.join(', ')})`;
  }
  if (err instanceof errors.JWKSNoMatchingKey) return 'no registered key matches the client assertion';
  if (err instanceof errors.JWKSMultipleMatchingKeys) {
    return 'several registered keys match the client assertion (set "kid")';
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'client assertion signature is invalid';
  if (err instanceof errors.JWKSTimeout) return "timed out fetching the client's jwks_uri";
  if (err instanceof errors.JWKSInvalid) return "the client's jwks_uri did not return a valid JWK Set";
  if (err instanceof errors.JOSENotSupported) return 'client assertion uses an unsupported algorithm or key';
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) {
    return 'client assertion is not a valid signed JWT';
  }
  if (err instanceof errors.JOSEError) return 'client assertion could not be verified';
  // Network errors from fetching jwks_uri and anything else: do not leak internals.
  return "client assertion could not be verified (the client's keys could not be loaded)";
}
