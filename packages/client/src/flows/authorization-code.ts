import type { JWTPayload } from 'jose';
import type { OAuth2ClientConfig } from '../config/types.js';
import { AuthorizationError, ConfigurationError, ProtocolError } from '../errors/index.js';
import { type ClientContext, postAuthenticatedForm, requireEndpoint } from '../http/context.js';
import { parseTokenResponse } from '../http/response.js';
import { idTokenKeys } from '../oidc/client-keys.js';
import { validateIdToken } from '../oidc/id-token.js';
import { issuerMatches } from '../oidc/issuer.js';
import { MemoryStateStore, type StateStore } from '../oidc/state-store.js';
import type { TokenResponse } from '../token/records.js';
import { type CallbackInput, readCallback } from './callback.js';
import { codeChallengeS256, generateCodeVerifier, randomToken } from './pkce.js';

/** State lifetime: 10 minutes. */
const STATE_TTL_MS = 10 * 60 * 1000;

export interface AuthorizationUrlOptions {
  scopes?: string[];
  redirectUri?: string;
  prompt?: string;
  loginHint?: string;
  /** RFC 8707 resource indicator(s). */
  resource?: string | string[];
  extraParams?: Record<string, string>;
}

export interface AuthorizationRequest {
  url: string;
  state: string;
  codeVerifier?: string;
  nonce?: string;
}

/** A token response plus the validated ID token claims when an ID token was returned. */
export interface AuthorizationResult extends TokenResponse {
  idTokenClaims?: JWTPayload;
}

export interface ExchangeOptions {
  codeVerifier?: string;
  redirectUri?: string;
  /**
   * Expected ID token nonce: sent when `openid` was requested, so the response must then carry an ID
   * token (OIDC Core §3.1.3.3), or ProtocolError `id_token_missing` is thrown.
   */
  nonce?: string;
}

/** The authorization code grant (RFC 6749 §4.1), with PKCE (RFC 7636) when enabled. */
export interface AuthorizationCodeFlow {
  /** Builds the authorization request URL (RFC 6749 §4.1.1) and remembers its state. */
  buildAuthorizationUrl(options?: AuthorizationUrlOptions): Promise<AuthorizationRequest>;
  /** Exchanges a code at the token endpoint (RFC 6749 §4.1.3); never retried (codes are single-use). */
  exchangeCode(code: string, options?: ExchangeOptions): Promise<AuthorizationResult>;
  /**
   * Handles the redirect (RFC 6749 §4.1.2): checks `state` (single-use, 10 min), `iss` (RFC 9207),
   * maps `error` to AuthorizationError, then exchanges the code and validates the ID token.
   */
  handleCallback(input: CallbackInput): Promise<AuthorizationResult>;
}

export interface AuthorizationCodeOptions {
  pkce: boolean;
  stateStore?: StateStore;
}

/**
 * The issuer ID tokens are validated against, after checking that `jwksUri` is configured too. Called
 * before an `openid` request is sent and before its code is redeemed: a code is single use (RFC 6749
 * §4.1.2), so a missing setting found only after the exchange would lose the code and its tokens.
 */
function idTokenIssuer(config: OAuth2ClientConfig): string {
  const missing = (['issuer', 'jwksUri'] as const).filter((field) => !config[field]);
  if (missing.length > 0 || config.issuer === undefined) {
    throw new ConfigurationError(
      `invalid configuration: ${missing.join(' and ')} required to validate ID tokens (openid requested)`,
      { code: 'invalid_configuration' },
    );
  }
  return config.issuer;
}

export function createAuthorizationCodeFlow(
  ctx: ClientContext,
  options: AuthorizationCodeOptions,
): AuthorizationCodeFlow {
  const store = options.stateStore ?? new MemoryStateStore();
  const { config } = ctx;

  async function exchangeCode(code: string, opts: ExchangeOptions = {}): Promise<AuthorizationResult> {
    const redirectUri = opts.redirectUri ?? requireEndpoint(config, 'redirectUri');
    if (opts.nonce !== undefined) idTokenIssuer(config); // before the code is spent
    const params = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri });
    if (opts.codeVerifier) params.set('code_verifier', opts.codeVerifier);
    const response = await postAuthenticatedForm(ctx, {
      endpoint: 'token',
      url: config.tokenEndpoint,
      params,
      retry: 'never',
      grantType: 'authorization_code',
    });
    const tokens: AuthorizationResult = parseTokenResponse(response, config.compat);
    if (!tokens.idToken && opts.nonce !== undefined) {
      // OIDC Core §3.1.3.3: an openid request's token response MUST contain an ID token; without it the
      // nonce, and so the binding of this login to this browser session, is never checked.
      throw new ProtocolError('token response lacks the id_token of an openid request (OIDC Core §3.1.3.3)', {
        code: 'id_token_missing',
      });
    }
    if (tokens.idToken) {
      tokens.idTokenClaims = await validateIdToken(tokens.idToken, {
        issuer: idTokenIssuer(config),
        clientId: config.clientId,
        keys: idTokenKeys(ctx),
        accessToken: tokens.accessToken,
        ...(opts.nonce !== undefined ? { nonce: opts.nonce } : {}),
      });
    }
    return tokens;
  }

  return {
    async buildAuthorizationUrl(opts = {}) {
      const url = new URL(requireEndpoint(config, 'authorizationEndpoint'));
      const redirectUri = opts.redirectUri ?? requireEndpoint(config, 'redirectUri');
      const scopes = opts.scopes ?? config.scopes ?? [];
      if (scopes.includes('openid')) idTokenIssuer(config); // fail before the user is sent away
      const state = randomToken();
      const request: AuthorizationRequest = { url: '', state };
      const q = url.searchParams;
      q.set('response_type', 'code');
      q.set('client_id', config.clientId);
      q.set('redirect_uri', redirectUri);
      if (scopes.length > 0) q.set('scope', scopes.join(' '));
      q.set('state', state);
      if (options.pkce) {
        request.codeVerifier = generateCodeVerifier();
        q.set('code_challenge', codeChallengeS256(request.codeVerifier));
        q.set('code_challenge_method', 'S256');
      }
      if (scopes.includes('openid')) {
        request.nonce = randomToken();
        q.set('nonce', request.nonce);
      }
      if (opts.prompt) q.set('prompt', opts.prompt);
      if (opts.loginHint) q.set('login_hint', opts.loginHint);
      for (const r of [opts.resource ?? []].flat()) q.append('resource', r);
      for (const [k, v] of Object.entries(opts.extraParams ?? {})) q.set(k, v);
      request.url = url.toString();
      await store.save({
        state,
        redirectUri,
        expiresAt: Date.now() + STATE_TTL_MS,
        ...(request.codeVerifier ? { codeVerifier: request.codeVerifier } : {}),
        ...(request.nonce ? { nonce: request.nonce } : {}),
      });
      return request;
    },

    exchangeCode,

    async handleCallback(input) {
      const cb = readCallback(input);
      if (!cb.state) {
        throw new AuthorizationError('authorization response lacks state', { code: 'state_missing' });
      }
      const pending = await store.consume(cb.state);
      if (!pending) {
        throw new AuthorizationError('authorization response state is unknown or already used', {
          code: 'state_mismatch',
        });
      }
      if (pending.expiresAt <= Date.now()) {
        throw new AuthorizationError('authorization response state has expired', { code: 'state_expired' });
      }
      if (cb.iss !== undefined && config.issuer !== undefined && !issuerMatches(config.issuer, cb.iss)) {
        throw new AuthorizationError('authorization response iss does not match the issuer (RFC 9207)', {
          code: 'iss_mismatch',
        });
      }
      if (cb.iss === undefined && config.authorizationResponseIssParameterSupported) {
        throw new AuthorizationError('authorization response lacks iss (RFC 9207)', { code: 'iss_missing' });
      }
      if (cb.error) {
        throw new AuthorizationError(
          `authorization failed: ${cb.error}${cb.errorDescription ? `: ${cb.errorDescription}` : ''}`,
          {
            code: cb.error,
            error: cb.error,
            ...(cb.errorDescription ? { errorDescription: cb.errorDescription } : {}),
          },
        );
      }
      if (!cb.code) {
        throw new AuthorizationError('authorization response lacks code', { code: 'invalid_request' });
      }
      return exchangeCode(cb.code, {
        redirectUri: pending.redirectUri,
        ...(pending.codeVerifier ? { codeVerifier: pending.codeVerifier } : {}),
        ...(pending.nonce ? { nonce: pending.nonce } : {}),
      });
    },
  };
}
